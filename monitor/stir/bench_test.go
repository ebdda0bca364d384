package stir

import (
	"context"
	"testing"
)

// BenchmarkVerifyWarm is verifications per second with a warm certificate
// and chain cache: parse the request, decode, ES256 verify, dates, TNs.
func BenchmarkVerifyWarm(b *testing.B) {
	v := lssVerifier(b)
	raw := invite(lssOrig, lssDest, "Identity: "+lssIdentity)
	if vd := verifyRaw(b, v, raw, lssAt); vd.Result != Valid {
		b.Fatalf("warm-up: %s", vd.Result)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if vd, err := v.VerifyRaw(context.Background(), raw, lssAt); err != nil || vd.Result != Valid {
				b.Fatalf("%v %s", err, vd.Result)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verif/s")
}

// BenchmarkVerifySerial is the same on one goroutine.
func BenchmarkVerifySerial(b *testing.B) {
	v := lssVerifier(b)
	raw := invite(lssOrig, lssDest, "Identity: "+lssIdentity)
	b.ReportAllocs()
	for b.Loop() {
		if vd, err := v.VerifyRaw(context.Background(), raw, lssAt); err != nil || vd.Result != Valid {
			b.Fatalf("%v %s", err, vd.Result)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verif/s")
}
