package monitor

// CallSubject names the trunk and the ported number of a call the fold
// is following ("" for what it does not know, or a call it no longer
// keeps): what the report lists a call's media verdict under. It reads
// the fold and changes nothing.
func (s *State) CallSubject(callID string) (trunk, number string) {
	c := s.c.Calls[callID]
	if c == nil {
		return "", ""
	}
	return s.trunkName(c.Trunk), s.numberName(c.Number)
}
