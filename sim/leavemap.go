package sim

import "asyncdrive/dynamics"

// leavingMap reports whether the ego in state st is driving out of the map through the open end of a lane
// (scenarios.MapIndex.OpenEnd): the centre of its footprint is outside the drivable area, in the corridor
// past an open end. Its front has been there before, which the metrics count as on the road.
func (s *Simulation) leavingMap(st dynamics.State) bool {
	c := s.cfg.Vehicle.Footprint(st.Pose).Center.Pos()
	return !s.mx.InDrivable(c) && s.mx.InOpenEnd(c)
}
