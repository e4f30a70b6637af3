// Signature ink (kiosk signing layer, headless, main thread): records every raw finger sample of the
// signing finger and turns the samples into smooth, variable-width ink the way signature_pad does
// (Catmull-like cubic Bezier through the points, width from a filtered velocity). The same samples
// feed the on-screen pad, the review, the PNG in the evidence package and the trivial-signature check.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace balie::signing {

// One raw finger sample as the kiosk received it (SDL finger event, already in window pixels).
struct InkSample {
  enum class Kind : std::uint8_t { Down, Move, Up };
  Kind kind = Kind::Move;
  float x = 0, y = 0;          // window pixels
  float pressure = 1.0f;
  std::uint32_t t_ms = 0;      // SDL timestamp (ms since SDL start)
  std::int64_t finger = 0;
};

// Smoothing parameters (recorded in the evidence package). Widths are in pad pixels.
struct SmoothingParams {
  float min_width = 1.6f;              // pen radius at high speed
  float max_width = 5.2f;              // pen radius when slow
  float velocity_filter_weight = 0.7f;
  float min_distance = 3.0f;           // samples closer than this to the last point are not drawn
};

// A point of the rendered ink: centre in pad-local pixels and pen radius.
struct InkDab {
  float x = 0, y = 0, r = 0;
  bool stroke_start = false;  // first dab of a stroke (do not connect to the previous dab)
};

struct PadRect {
  float x = 0, y = 0, w = 0, h = 0;
};

class Ink {
 public:
  static constexpr std::size_t kMaxSamples = 2000;  // keeps the sealed package under sync's 192 KiB
  static constexpr std::size_t kMaxDabs = 60000;

  explicit Ink(PadRect pad = {}, SmoothingParams p = {}) : pad_(pad), params_(p) {}

  // Adds one raw sample. Down starts a stroke (only inside the pad), Move/Up continue it.
  // Returns false when the sample was not taken (outside a stroke, pad full).
  bool add(const InkSample& s);
  void clear();
  bool full() const { return samples_.size() >= kMaxSamples; }

  const std::vector<InkSample>& samples() const { return samples_; }
  const std::vector<InkDab>& dabs() const { return dabs_; }
  PadRect pad() const { return pad_; }
  const SmoothingParams& params() const { return params_; }
  int strokes() const { return strokes_; }
  bool in_stroke() const { return in_stroke_; }
  // Total drawn path length in pad pixels, and the bounding box of the drawn points.
  float path_length() const { return path_len_; }
  float bbox_w() const { return has_pts_ ? max_x_ - min_x_ : 0; }
  float bbox_h() const { return has_pts_ ? max_y_ - min_y_ : 0; }
  int drawn_points() const { return drawn_points_; }

  // Rebuilds the ink from raw samples (e.g. after moving them between objects).
  static Ink from_samples(PadRect pad, const std::vector<InkSample>& samples, SmoothingParams p = {});
  // Overwrites every sample and dab (personal data) and empties the ink.
  void wipe();

 private:
  struct P {
    float x, y;
    std::uint32_t t;
  };
  void add_point(P p);
  void draw_curve(P p0, P p1, P p2, P p3, float w0, float w1);

  PadRect pad_;
  SmoothingParams params_;
  std::vector<InkSample> samples_;
  std::vector<InkDab> dabs_;
  std::vector<P> pts_;  // the last up to 4 points of the current stroke
  bool in_stroke_ = false;
  std::int64_t finger_ = 0;
  float last_velocity_ = 0, last_width_ = 0;
  int strokes_ = 0;
  int drawn_points_ = 0;
  float path_len_ = 0;
  bool has_pts_ = false;
  float min_x_ = 0, min_y_ = 0, max_x_ = 0, max_y_ = 0;
  bool next_dab_starts_ = false;
};

// Why a signature is refused (friendly message keys live in the pad scene).
enum class InkVerdict { Ok, Empty, TooFewPoints, TooShort, TooSmall };
struct InkRules {
  int min_points = 15;               // drawn points (after min_distance filtering)
  float min_path_fraction = 0.25f;   // path length >= this * pad width
  float min_extent_fraction = 0.10f; // bounding box width >= this * pad width (or height >= this * pad height * 2)
};
InkVerdict check_signature(const Ink& ink, const InkRules& rules = {});
const char* to_string(InkVerdict v);

}  // namespace balie::signing
