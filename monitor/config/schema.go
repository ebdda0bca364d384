package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// rawFile is cutover.toml as written. Durations are strings ("30s", "1h")
// so a bad one is reported with its field and line; times are TOML
// offset date-times (2026-11-24T02:00:00Z).
type rawFile struct {
	Name           string        `toml:"name"`
	DefaultCountry string        `toml:"default_country"`
	Topology       string        `toml:"topology"`
	DB             string        `toml:"db"`
	HEP            rawHEP        `toml:"hep"`
	Probes         rawProbes     `toml:"probes"`
	Thresholds     rawThresholds `toml:"thresholds"`
	Trunks         []rawTrunk    `toml:"trunks"`
	Numbers        []rawNumber   `toml:"numbers"`
	Actions        rawActions    `toml:"actions"`
	STIR           rawSTIR       `toml:"stir"`
	Porting        *rawPorting   `toml:"porting"`
	Alerts         *rawAlerts    `toml:"alerts"`
	SSH            rawSSH        `toml:"ssh"`
	Metrics        rawMetrics    `toml:"metrics"`
	Capture        rawCapture    `toml:"capture"`
}

type rawMetrics struct {
	Listen string `toml:"listen"`
}

type rawSTIR struct {
	Trust     string `toml:"trust"`
	Certs     string `toml:"certs"`
	Offline   bool   `toml:"offline"`
	Freshness string `toml:"freshness"`
}

type rawHEP struct {
	Listen     string   `toml:"listen"`
	TCP        bool     `toml:"tcp"`
	AuthKeyEnv string   `toml:"auth_key_env"`
	Forward    []string `toml:"forward"`
}

type rawProbes struct {
	OptionsInterval  string  `toml:"options_interval"`
	FailAfter        int     `toml:"fail_after"`
	RecoverAfter     int     `toml:"recover_after"`
	TestCallFrom     string  `toml:"test_call_from"`
	TestCallEvery    string  `toml:"test_call_every"`
	LocalAddr        string  `toml:"local_addr"`
	SweepRate        float64 `toml:"sweep_rate"`
	SweepConcurrency int     `toml:"sweep_concurrency"`
	SBCURI           string  `toml:"sbc_uri"`
	OutboundCheckTo  string  `toml:"outbound_check_to"`
}

type rawThresholds struct {
	ShortCall       string  `toml:"short_call"`
	Codec488Count   int     `toml:"codec488_count"`
	Codec488Share   float64 `toml:"codec488_share"`
	NERMin          float64 `toml:"ner_min"`
	NERMinAttempts  int     `toml:"ner_min_attempts"`
	TimeoutBurst    int     `toml:"timeout_burst"`
	SilentAfter     string  `toml:"silent_after"`
	ZombieAfter     string  `toml:"zombie_after"`
	SplitBrainQuiet string  `toml:"split_brain_quiet"`
	DropRateMax     float64 `toml:"drop_rate_max"`
	DropMinAnswered int     `toml:"drop_min_answered"`

	NoMediaAfter   string  `toml:"no_media_after"`
	MediaMaxLoss   float64 `toml:"media_max_loss"`
	MediaMaxJitter string  `toml:"media_max_jitter"`
	MOSMin         float64 `toml:"mos_min"`
	OneWayRateMax  float64 `toml:"one_way_rate_max"`
	NoMediaRateMax float64 `toml:"no_media_rate_max"`
	MediaMinCalls  int     `toml:"media_min_calls"`
}

type rawTrunk struct {
	Name      string       `toml:"name"`
	Role      string       `toml:"role"`
	URI       string       `toml:"uri"`
	Transport string       `toml:"transport"`
	Addrs     []string     `toml:"addrs"`
	Register  *rawRegister `toml:"register"`
	// CarrierSigns: the carrier signs outbound calls after the point
	// watched (monitor.Trunk.CarrierSigns).
	CarrierSigns bool `toml:"carrier_signs"`
}

type rawRegister struct {
	Registrar   string `toml:"registrar"`
	User        string `toml:"user"`
	Realm       string `toml:"realm"`
	PasswordEnv string `toml:"password_env"`
	Expires     string `toml:"expires"`
}

type rawNumber struct {
	Number        string     `toml:"number"`
	Range         string     `toml:"range"`
	PortRequestID string     `toml:"port_request_id"`
	State         string     `toml:"state"`
	Scheduled     *time.Time `toml:"scheduled"`
	Activated     *time.Time `toml:"activated"`
}

// decode parses the TOML strictly: an unknown key is an error with its
// line, and so is a value of the wrong type.
func decode(name string, data []byte) (*rawFile, error) {
	var raw rawFile
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&raw)
	if err == nil {
		return &raw, nil
	}
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		return nil, unknownKey(name, &strict.Errors[0])
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		return nil, typeError(name, data, de)
	}
	return nil, &Error{File: name, Msg: err.Error()}
}

// unknownKey explains an unknown key; a secret written into the file gets
// told where secrets belong.
func unknownKey(name string, de *toml.DecodeError) *Error {
	line, col := de.Position()
	key := strings.Join(de.Key(), ".")
	msg := fmt.Sprintf("unknown key %q", key)
	last := strings.ToLower(de.Key()[len(de.Key())-1])
	switch {
	case strings.Contains(last, "password") || strings.Contains(last, "secret"):
		msg = "secrets are never written in the file: name the environment variable that holds it with password_env"
	case de.Key()[0] == "porting" && (strings.Contains(last, "token") || strings.Contains(last, "key") || strings.Contains(last, "auth")):
		msg = "secrets are never written in the file: name the environment variable that holds it with bearer_env, basic_user_env and basic_password_env, or secret_headers"
	case last == "auth_key" || last == "key":
		msg = "secrets are never written in the file: name the environment variable that holds it with auth_key_env"
	default:
		if near := didYouMean(de.Key()[:len(de.Key())-1], de.Key()[len(de.Key())-1]); near != "" {
			msg += fmt.Sprintf(": did you mean %q?", near)
		}
	}
	return &Error{File: name, Line: line, Column: col, Field: key, Msg: msg}
}

type rawActions struct {
	Timeout      string        `toml:"timeout"`
	VerifyWindow string        `toml:"verify_window"`
	VerifyCalls  int           `toml:"verify_calls"`
	Failover     []rawFailover `toml:"failover"`
	Outbound     *rawOutbound  `toml:"outbound"`
	Command      []rawCommand  `toml:"command"`
}

type rawFailover struct {
	Name       string         `toml:"name"`
	Timeout    string         `toml:"timeout"`
	Direction  string         `toml:"direction"`
	DNS        *rawDNSTarget  `toml:"dns"`
	Dispatcher *rawDispatcher `toml:"dispatcher"`
}

type rawDNSTarget struct {
	Server       string `toml:"server"`
	Zone         string `toml:"zone"`
	Name         string `toml:"name"`
	KeyName      string `toml:"key_name"`
	KeySecretEnv string `toml:"key_secret_env"`
	Algorithm    string `toml:"algorithm"`
	LegacyTarget string `toml:"legacy_target"`
	NewTarget    string `toml:"new_target"`
}

type rawDispatcher struct {
	URL    string   `toml:"url"`
	Set    int      `toml:"set"`
	Legacy []string `toml:"legacy"`
	New    []string `toml:"new"`
}

type rawOutbound struct {
	Backend string     `toml:"backend"`
	Timeout string     `toml:"timeout"`
	HTable  *rawHTable `toml:"htable"`
	HTTP    *rawHTTP   `toml:"http"`
}

type rawHTable struct {
	URL    string            `toml:"url"`
	Table  string            `toml:"table"`
	Values map[string]string `toml:"values"`
}

type rawHTTP struct {
	Method        string            `toml:"method"`
	URL           string            `toml:"url"`
	Headers       map[string]string `toml:"headers"`
	SecretHeaders map[string]string `toml:"secret_headers"`
	Body          string            `toml:"body"`
	UndoMethod    string            `toml:"undo_method"`
	UndoURL       string            `toml:"undo_url"`
	UndoBody      string            `toml:"undo_body"`
}

type rawCommand struct {
	Name    string   `toml:"name"`
	Program string   `toml:"program"`
	Args    []string `toml:"args"`
	Timeout string   `toml:"timeout"`
}
