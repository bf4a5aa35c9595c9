// Package segment holds the segmentation step types: segment.rules puts
// each row into named segments by ordered boolean rules, and
// segment.name_clusters gives clusters human names from their profiles,
// so that names stay right when cluster ids change between runs.
//
// The segment column written by segment.rules carries the set of segment
// names the step can produce in its Arrow field metadata (key
// SegmentsKey), so downstream steps such as action.plan can check at plan
// time that the segments they refer to exist.
package segment
