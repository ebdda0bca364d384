package porting

import (
	"sort"

	"github.com/cutover/cutover/monitor"
)

// Preset is the shape a carrier documents for reading one port request:
// where the API lives, how the answer is encoded, where its status and
// its FOC time sit, and what each status word means for cutover.
type Preset struct {
	Name string
	// Base is the API's root; "" when it depends on the account (the
	// file gives base_url, or the whole url).
	Base       string
	Path       string // appended to the base, with Placeholder
	Format     Format
	Headers    map[string]string
	Status     string // a Path
	Activation string // a Path, "" = none documented
	StatusMap  map[string]monitor.PortState
	// Source names the published material the shape and the status words
	// were checked against; Unverified lists what could not be.
	Source     string
	Unverified string
}

const (
	pending    = monitor.PortPending
	approved   = monitor.PortApproved
	inProgress = monitor.PortInProgress
	completed  = monitor.PortCompleted
	denied     = monitor.PortDenied
	cancelled  = monitor.PortCancelled
)

var presets = map[string]Preset{
	// GET /v2/porting_orders/{id}: {"data": {"status": {"value": ...},
	// "activation_settings": {"foc_datetime_actual": ...}}}.
	"telnyx": {
		Name: "telnyx", Base: "https://api.telnyx.com/v2", Path: "/porting_orders/" + Placeholder,
		Format: FormatJSON, Headers: map[string]string{"Accept": "application/json"},
		Status: "data.status.value", Activation: "data.activation_settings.foc_datetime_actual",
		StatusMap: map[string]monitor.PortState{
			"draft":              pending,
			"in-process":         pending, // received by Telnyx, not yet sent to the losing carrier
			"submitted":          pending, // with the losing carrier, awaiting its answer
			"exception":          denied,  // rejected by the losing carrier: fix and resubmit
			"foc-date-confirmed": approved,
			"cancel-pending":     cancelled,
			"cancelled":          cancelled,
			"ported":             completed,
		},
		Source: "developers.telnyx.com: API reference porting-orders (response example, filter[status] enum) and the support article \"Port Request Statuses\"",
		Unverified: "none of the eight status words; Telnyx has no status for activation under way, " +
			"so in_progress is never reported (activation_settings.activation_status carries NPAC's word, not polled)",
	},
	// GET /api/accounts/{accountId}/portins/{orderId}: XML
	// <LnpOrderResponse> with <ProcessingStatus> and <ActualFocDate>.
	"bandwidth": {
		Name: "bandwidth", Path: "/portins/" + Placeholder,
		Format: FormatXML, Headers: map[string]string{"Accept": "application/xml"},
		Status: "LnpOrderResponse.ProcessingStatus", Activation: "LnpOrderResponse.ActualFocDate",
		StatusMap: map[string]monitor.PortState{
			"DRAFT":               pending,
			"VALIDATE_DRAFT_TFNS": pending,
			"VALID_DRAFT_TFNS":    pending,
			"INVALID_DRAFT_TFNS":  denied,
			"VALIDATE_TFNS":       pending,
			"INVALID_TFNS":        denied,
			"PENDING_DOCUMENTS":   pending,
			"SUBMITTED":           pending,
			"REQUESTED_SUPP":      pending, // an update was asked for: back to waiting
			"EXCEPTION":           denied,
			"FOC":                 approved,
			"REQUESTED_CANCEL":    cancelled,
			"CANCELLED":           cancelled,
			"COMPLETE":            completed,
		},
		Source: "Bandwidth/api-docs: docs/numbers/porting/port-ins/stand-alone-port-ins (\"Fetching Port-in Status\", the ProcessingStatus list) " +
			"and the interop-testing guide's LnpOrderResponse examples",
		Unverified: "the base URL holds the account id (give base_url = \"https://dashboard.bandwidth.com/api/accounts/ACCOUNT\"); " +
			"a complete GET response was not found published, only its elements; in_progress is never reported",
	},
	// GET /v1/Porting/PortIn/{PortInRequestSid}: {"port_in_request_status": ...}.
	"twilio": {
		Name: "twilio", Base: "https://numbers.twilio.com/v1", Path: "/Porting/PortIn/" + Placeholder,
		Format: FormatJSON, Headers: map[string]string{"Accept": "application/json"},
		Status: "port_in_request_status",
		StatusMap: map[string]monitor.PortState{
			"pending":               pending, // the OpenAPI example's value
			"In review":             pending,
			"Waiting for Signature": pending,
			"In progress":           inProgress,
			"Action Required":       denied,
			"Completed":             completed,
			"Expired":               cancelled,
			"Canceled":              cancelled,
		},
		Source: "twilio.com/docs/phone-numbers/port-in/port-in-request-api and twilio-oai numbers v1 (port_in_request_status: " +
			"\"In progress, Completed, Expired, In review, Waiting for Signature, Action Required, and Canceled\")",
		Unverified: "the exact wire spelling (the docs list the words with spaces, the OpenAPI example says \"pending\"; " +
			"matching ignores case, spaces, dashes and underscores); no FOC time is documented on the request, so none is read",
	},
	// The runbook's GET /porting/status?request_id=ID:
	// {"request_id": ..., "status": "PENDING", "activated_at": ...}.
	"generic": {
		Name: "generic", Path: "/porting/status?request_id=" + Placeholder,
		Format: FormatJSON, Headers: map[string]string{"Accept": "application/json"},
		Status: "status", Activation: "activated_at",
		StatusMap: map[string]monitor.PortState{
			"PENDING":     pending,
			"APPROVED":    approved,
			"IN_PROGRESS": inProgress,
			"COMPLETED":   completed,
			"DENIED":      denied,
			"CANCELLED":   cancelled,
		},
		Source:     "the runbook's step \"poll the carrier's porting API and watch PENDING → APPROVED → IN_PROGRESS → COMPLETED (or DENIED)\"",
		Unverified: "no published document: the body's shape is ours (base_url is the runbook's host)",
	},
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, bool) {
	p, ok := presets[name]
	p.Headers, p.StatusMap = clone(p.Headers), clone(p.StatusMap)
	return p, ok
}

func clone[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
