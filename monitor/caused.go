package monitor

// An operator's failover sends calls to legacy on purpose. The alerts
// that then follow (numbers' calls landing on or leaving by legacy after
// their port, the new trunks going quiet) are the action's intended
// effect, not new trouble: the fold marks them caused by the action
// (AlertChange.CausedBy), the screen folds them into one line under it,
// and they close as soon as the action no longer stands (undone, or a
// restore applied). A restore is the same the other way round: the legacy
// trunks going quiet is its effect.

// standing reports whether an action's state means its change is in
// place: done, and verified or waiting for it.
func standing(st ActionState) bool {
	return st == ActionDone || st == ActionUnverified || st == ActionVerified
}

// standingRouting is the newest failover or restore whose change still
// stands (nil: none). A newer one, standing, replaces an older one; one
// undone gives the place back to the one before it.
func (s *State) standingRouting() *ActionView {
	for i := len(s.c.Actions) - 1; i >= 0; i-- {
		a := &s.c.Actions[i]
		if (a.Type == "failover" || a.Type == "restore") && standing(a.State) {
			return a
		}
	}
	return nil
}

// causingAction names the standing action whose intended effect an
// alert of rule on subject is, or "".
func (s *State) causingAction(rule Rule, subject string) string {
	a := s.standingRouting()
	if a == nil {
		return ""
	}
	switch rule {
	case RuleZombie, RuleSplitBrain: // calls of a ported number on legacy
		if a.Type != "failover" {
			return ""
		}
		if a.Expect != nil && len(a.Expect.Numbers) > 0 && !matchNumber(a.Expect.Numbers, subject) {
			return ""
		}
		return a.ID
	case RuleTrunkSilent: // the trunks the calls were moved away from
		if i := s.trunkByName(subject); i >= 0 {
			role := s.c.Cfg.Trunks[i].Role
			if a.Type == "failover" && role == RoleNew || a.Type == "restore" && role == RoleLegacy {
				return a.ID
			}
		}
	}
	return ""
}

// releaseCaused closes the open alerts caused by an action that no
// longer stands: their cause is gone, and if the trouble is real after
// all, its rule opens it again, as trouble of its own.
func (s *State) releaseCaused(t int64) {
	standingID := ""
	if a := s.standingRouting(); a != nil {
		standingID = a.ID
	}
	for _, k := range s.openKeys() {
		a := s.c.Alerts[k]
		if a.CausedBy == "" || a.CausedBy == standingID {
			continue
		}
		why := "the action " + a.CausedBy + " that caused it no longer stands"
		if i := s.actionIndex(a.CausedBy); i >= 0 {
			why = s.c.Actions[i].Type + " " + a.CausedBy + " no longer stands (" + string(s.c.Actions[i].State) + ")"
		}
		if standingID != "" {
			why = s.c.Actions[s.actionIndex(standingID)].Type + " " + standingID + " replaced " + a.CausedBy
		}
		s.closeAlert(t, a.Rule, a.Subject, func() string { return why })
	}
}
