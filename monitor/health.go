package monitor

import "strconv"

// Trouble is why trunk t is unhealthy as a target for calls, from a
// snapshot: its OPTIONS are down, its registration failed or timed out,
// or a critical alert is open on it (one reason each, "OPTIONS down 408",
// "registration failed 403", "CRIT timeout_burst"); none when healthy.
// The screen's dialogs and `cutover act` through a watch ask for the
// trunk's name instead of y when there is any.
func (t TrunkView) Trouble(alerts []AlertView) []string {
	var why []string
	if t.OptionsUp < 0 {
		why = append(why, "OPTIONS down"+codeSuffix(t.OptionsCode))
	}
	if t.Registration == RegFailed || t.Registration == RegTimeout {
		why = append(why, "registration "+string(t.Registration)+codeSuffix(t.RegCode))
	}
	for _, a := range alerts {
		if a.Closed == 0 && a.Subject == t.Name && a.Severity == SevCritical {
			why = append(why, "CRIT "+string(a.Rule))
		}
	}
	return why
}

func codeSuffix(code int) string {
	if code == 0 {
		return ""
	}
	return " " + strconv.Itoa(code)
}
