package monitor

// Landing is a number's landing transition since its port completed: where
// its calls have arrived from its activation on. The fold fills it from
// the calls that count as landing for the number (see landing in the
// README); the board, the detail view and the report read it.
type Landing struct {
	FirstNew   int64 // first call landed on a new trunk at or after activation (Unix ns, 0 = none yet)
	LastLegacy int64 // last call landed on a legacy trunk at or after activation (Unix ns, 0 = none)
	New        int   // calls landed on a new trunk since activation
	Legacy     int   // calls landed on a legacy trunk since activation
}
