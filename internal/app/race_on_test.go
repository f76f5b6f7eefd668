//go:build race

package app_test

// raceDetector is true in builds with -race, which run about ten times
// slower: volume tests scale themselves down.
const raceDetector = true
