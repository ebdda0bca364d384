package monitor

// The checkpoint encoding of the alerts: open and closed episodes, the
// silences in force, and an alert change (see checkpoint.go).

// alerts writes the open alerts by key, then the closed ones.
func (w *wire) alerts(c *core) {
	w.uint(uint64(len(c.Alerts)))
	for _, k := range sortedKeys(c.Alerts) {
		w.str(k)
		w.alertView(c.Alerts[k])
	}
	w.uint(uint64(len(c.Closed)))
	for i := range c.Closed {
		w.alertView(&c.Closed[i])
	}
	if w.version < 5 {
		return
	}
	w.uint(uint64(len(c.Silences)))
	for _, k := range sortedKeys(c.Silences) {
		w.str(k)
		w.time(c.Silences[k].Until)
		w.str(c.Silences[k].By)
	}
}

func (r *reader) alerts(c *core) {
	n := r.count()
	c.Alerts = make(map[string]*AlertView, n)
	for range n {
		k := r.str()
		a := new(AlertView)
		r.alertView(a)
		c.Alerts[k] = a
	}
	if n := r.count(); n > 0 {
		c.Closed = make([]AlertView, n)
		for i := range c.Closed {
			r.alertView(&c.Closed[i])
		}
	}
	if r.version < 5 {
		return
	}
	if n := r.count(); n > 0 {
		c.Silences = make(map[string]silence, n)
		for range n {
			k := r.str()
			c.Silences[k] = silence{Until: r.time(), By: r.str()}
		}
	}
}

func (w *wire) alertView(a *AlertView) {
	w.alertChange(&a.AlertChange)
	w.time(a.Opened)
	w.time(a.Closed)
	if w.version >= 5 {
		w.time(a.Acked)
		w.str(a.AckedBy)
		w.time(a.SilencedUntil)
		w.str(a.SilencedBy)
	}
}

func (r *reader) alertView(a *AlertView) {
	r.alertChange(&a.AlertChange)
	a.Opened = r.time()
	a.Closed = r.time()
	if r.version >= 5 {
		a.Acked = r.time()
		a.AckedBy = r.str()
		a.SilencedUntil = r.time()
		a.SilencedBy = r.str()
	}
}

func (w *wire) alertChange(a *AlertChange) {
	w.str(string(a.Rule))
	w.str(a.Subject)
	w.bool(a.Open)
	w.str(string(a.Severity))
	w.str(a.Message)
	if w.version >= 5 {
		w.str(a.CausedBy)
	}
}

func (r *reader) alertChange(a *AlertChange) {
	a.Rule, a.Subject, a.Open = Rule(r.str()), r.str(), r.bool()
	a.Severity, a.Message = Severity(r.str()), r.str()
	if r.version >= 5 {
		a.CausedBy = r.str()
	}
}
