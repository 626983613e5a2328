package planner

// Fixtures for the external test package (planner_test).
var (
	FixtureMap      = fixtureMap
	FixtureCruise   = fixtureCruise
	FixtureTrack    = fixtureTrack
	FixtureScenario = fixtureScenario
	FixtureInput    = fixtureInput
	FixtureCar      = fixtureCar
	FixtureTraffic  = fixtureTraffic
	SegmentedMap    = segmentedMap
)
