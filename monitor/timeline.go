package monitor

import "time"

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
	// Ended is the end time the recording's writer wrote when it closed
	// the night (0: none, yet or ever).
	Ended int64
	// Quiet is, following, how long the writer has committed nothing,
	// once that is long enough to say so (0 until then): a live watch
	// commits its clock's tick every second.
	Quiet time.Duration
	// NoEnd: the recording has no end time and will get none: a replay
	// of a recording cut short (its writer killed), or a follower whose
	// writer is known gone or has been quiet too long.
	NoEnd bool
	// Gone: following, the writer's process is known gone (its control
	// socket refuses), not only quiet.
	Gone bool
}
