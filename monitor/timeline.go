package monitor

// MarkKind says what a timeline mark is.
type MarkKind uint8

const (
	MarkAlert  MarkKind = iota + 1 // an alert opened
	MarkAction                     // an operator action was requested
	MarkNote                       // an operator note
)

// Mark is something on a replay's timeline.
type Mark struct {
	Time int64
	Kind MarkKind
}

// Timeline is where a replay stands in its recording, for the timeline
// bar: the recording's first and last event times, the position, and the
// alerts, actions and notes to jump between.
type Timeline struct {
	Start, End int64
	Pos        int64 // event time of the last event played
	Marks      []Mark
	Follow     bool // following a recording that is still being written
	Live       bool // following and caught up with the writer
	Seeking    bool // a seek is being worked out
}
