// Paragraph layout: bidi, itemisation with font fallback, shaping, line breaking, visual order
// (text/, main thread). See layout.h.
// [SECTION] itemisation  [SECTION] shaping  [SECTION] line breaking  [SECTION] line assembly
#include "balie/text/layout.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include <algorithm>
#include <cmath>

#include "balie/text/bidi.h"
#include "balie/text/utf8.h"

namespace balie::text {

void ParagraphLayout::wipe() {
  secure_wipe(glyphs);
  secure_wipe(lines);
  width = content_width = height = 0;
  missing_glyphs = 0;
}

struct LayoutEngine::Run {
  uint32_t begin = 0, end = 0;  // code point range in the paragraph
  uint8_t level = 0;
  hb_script_t script = HB_SCRIPT_COMMON;
  int face = 0;
};

LayoutEngine::LayoutEngine(FontSet& fonts) : fonts_(fonts), buffer_(hb_buffer_create()) {}

LayoutEngine::~LayoutEngine() {
  wipe_scratch();
  hb_buffer_destroy(buffer_);
}

void LayoutEngine::wipe_scratch() {
  secure_wipe(scratch_);
  unsigned len = 0;
  hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buffer_, &len);
  if (info && len) secure_zero(info, len * sizeof(hb_glyph_info_t));
  hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buffer_, &len);
  if (pos && len) secure_zero(pos, len * sizeof(hb_glyph_position_t));
  hb_buffer_clear_contents(buffer_);
}

namespace {

bool is_hard_break(char32_t c) { return c == U'\n' || c == 0x2029 || c == 0x2028 || c == U'\r'; }

// Whitespace after which a line may break (UAX #14 class BA/SP subset used by our languages).
bool is_break_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == 0x1361 /* Ethiopic wordspace */ || c == 0x3000 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x200B || c == 0x205F;
}
bool is_space(char32_t c) { return c == U' ' || c == U'\t' || (c >= 0x2000 && c <= 0x200B) || c == 0x3000 || c == 0x205F; }

// Characters that take the font of their neighbour rather than choosing their own.
bool is_default_ignorable(char32_t c) {
  return c == 0x200C || c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) || is_bidi_control(c) ||
         c == 0x00AD || c == 0x2060 || c == 0xFEFF || (c >= 0xE0100 && c <= 0xE01EF);
}

bidi::BaseDirection base_direction(const TextStyle& style, const Language& lang) {
  switch (style.direction) {
    case Direction::kLtr: return bidi::BaseDirection::kLtr;
    case Direction::kRtl: return bidi::BaseDirection::kRtl;
    case Direction::kAuto: break;
  }
  return lang.is_rtl ? bidi::BaseDirection::kAutoRtl : bidi::BaseDirection::kAutoLtr;
}

hb_script_t script_of(char32_t c) {
  return hb_unicode_script(hb_unicode_funcs_get_default(), static_cast<hb_codepoint_t>(c));
}
bool is_neutral_script(hb_script_t s) {
  return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN;
}

}  // namespace

// [SECTION] shaping
// Shapes [run.begin, run.end) of `para` (with the rest of the paragraph as context, so Arabic
// joining across a run edge is right). Appends glyphs in visual order with x relative to the run
// start; returns the run's advance width in px.
float LayoutEngine::shape_run(std::u32string_view para, const Run& run, const Language& lang,
                              float size_px, std::vector<PositionedGlyph>* out,
                              std::vector<float>* char_advance, std::vector<uint8_t>* cluster_start) {
  hb_buffer_clear_contents(buffer_);
  hb_buffer_add_utf32(buffer_, reinterpret_cast<const uint32_t*>(para.data()),
                      static_cast<int>(para.size()), run.begin, static_cast<int>(run.end - run.begin));
  hb_buffer_set_direction(buffer_, (run.level & 1) ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
  hb_buffer_set_script(buffer_, run.script);
  hb_buffer_set_language(buffer_, hb_language_from_string(lang.code.data(), static_cast<int>(lang.code.size())));
  unsigned flags = HB_BUFFER_FLAG_DEFAULT;
  if (run.begin == 0) flags |= HB_BUFFER_FLAG_BOT;
  if (run.end == para.size()) flags |= HB_BUFFER_FLAG_EOT;
  hb_buffer_set_flags(buffer_, static_cast<hb_buffer_flags_t>(flags));
  hb_font_t* font = fonts_.hb_font(static_cast<size_t>(run.face), size_px);
  hb_shape(font, buffer_, nullptr, 0);
  unsigned n = 0;
  const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buffer_, &n);
  const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buffer_, &n);
  float pen = 0;
  for (unsigned i = 0; i < n; ++i) {
    const float adv = static_cast<float>(pos[i].x_advance) / 64.0f;
    if (out) {
      PositionedGlyph g;
      g.face = static_cast<uint16_t>(run.face);
      g.glyph_id = info[i].codepoint;
      g.x = pen + static_cast<float>(pos[i].x_offset) / 64.0f;
      g.y = -static_cast<float>(pos[i].y_offset) / 64.0f;
      g.advance = adv;
      g.cluster = info[i].cluster;
      out->push_back(g);
    }
    if (char_advance) (*char_advance)[info[i].cluster] += adv;
    if (cluster_start) (*cluster_start)[info[i].cluster] = 1;
    pen += adv;
  }
  return pen;
}

ParagraphLayout LayoutEngine::layout(std::string_view utf8, const TextStyle& style,
                                     const Language& language) {
  ParagraphLayout out;
  out.size_px = style.size_px;
  out.rtl = style.direction == Direction::kAuto ? language.is_rtl : style.direction == Direction::kRtl;
  if (fonts_.size() == 0 || style.size_px <= 0) return out;
  scratch_ = decode_utf8(utf8);
  float y = 0;
  size_t start = 0;
  for (size_t i = 0; i <= scratch_.size(); ++i) {
    if (i == scratch_.size() || is_hard_break(scratch_[i])) {
      // "\r\n" counts as one break.
      layout_paragraph(std::u32string_view(scratch_).substr(start, i - start), style, language, out, y);
      if (i < scratch_.size() && scratch_[i] == U'\r' && i + 1 < scratch_.size() && scratch_[i + 1] == U'\n') ++i;
      start = i + 1;
    }
  }
  out.height = y;
  out.width = style.max_width > 0 ? style.max_width : out.content_width;
  // Alignment needs the final box width: place lines now.
  for (auto& line : out.lines) {
    const float free = out.width - line.width;
    float x = 0;
    const bool rtl = line.rtl;
    switch (style.align) {
      case Align::kStart: x = rtl ? free : 0; break;
      case Align::kEnd: x = rtl ? 0 : free; break;
      case Align::kCenter: x = free / 2; break;
    }
    line.x = std::floor(x + 0.5f);
    for (uint32_t g = line.first_glyph; g < line.first_glyph + line.glyph_count; ++g)
      out.glyphs[g].x += line.x;
  }
  secure_wipe(scratch_);
  return out;
}

void LayoutEngine::layout_paragraph(std::u32string_view para, const TextStyle& style,
                                    const Language& lang, ParagraphLayout& out, float& y) {
  const size_t n = para.size();
  // Each paragraph has its own direction (explicit, or from its first strong character).
  const bidi::Paragraph bp = bidi::resolve(para, base_direction(style, lang));
  const bool rtl = (bp.paragraph_level & 1) != 0;
  if (out.lines.empty()) out.rtl = rtl;

  // [SECTION] itemisation: script (neutral characters join their neighbours) and face per char.
  std::vector<hb_script_t> scripts(n, HB_SCRIPT_COMMON);
  std::vector<int> faces(n, 0);
  {
    hb_script_t last = HB_SCRIPT_COMMON;
    for (size_t i = 0; i < n; ++i) {
      hb_script_t s = script_of(para[i]);
      if (!is_neutral_script(s)) last = s;
      scripts[i] = is_neutral_script(s) ? last : s;
    }
    // Leading neutrals take the first real script after them.
    hb_script_t next = HB_SCRIPT_COMMON;
    for (size_t i = n; i-- > 0;) {
      if (!is_neutral_script(scripts[i])) next = scripts[i];
      else scripts[i] = next;
    }
    int prev_face = -1;
    for (size_t i = 0; i < n; ++i) {
      const char32_t c = para[i];
      const bool neutral = is_neutral_script(script_of(c));
      // An isolated value starts afresh: its leading neutrals (digits) take the face of the value's
      // own first letter, not the sentence's ("8A38-F7TV" in Persian had a large Naskh "8"; in
      // "2 مارس 2026" the 2 stays with the Arabic month).
      const bool after_isolate = i > 0 && para[i - 1] >= 0x2066 && para[i - 1] <= 0x2068;
      int f;
      if (neutral && after_isolate && !is_default_ignorable(c)) {
        f = -1;
        for (size_t j = i + 1; j < n && para[j] != 0x2069; ++j) {
          if (is_neutral_script(script_of(para[j]))) continue;
          const int g = fonts_.face_for(para[j]);
          if (g >= 0 && fonts_.has_glyph(g, c)) f = g;
          break;
        }
        if (f < 0) f = fonts_.face_for(c);
        if (f < 0) f = prev_face >= 0 ? prev_face : 0;
      } else if (is_default_ignorable(c) || (neutral && prev_face >= 0 && fonts_.has_glyph(prev_face, c))) {
        f = prev_face >= 0 ? prev_face : 0;
      } else {
        f = fonts_.face_for(c);
        if (f < 0) {
          if (!is_space(c) && c != U'\t') ++out.missing_glyphs;
          f = prev_face >= 0 ? prev_face : 0;
        }
      }
      faces[i] = f;
      prev_face = f;
    }
    // Neutral characters at the start (before any font choice settled) follow the next face that
    // also covers them, so "«Name»" in Arabic stays in one run.
    for (size_t i = n; i-- > 1;) {
      if (is_neutral_script(script_of(para[i - 1])) && faces[i - 1] != faces[i] &&
          fonts_.has_glyph(faces[i], para[i - 1]) && (i - 1 == 0 || faces[i - 2] != faces[i - 1]))
        faces[i - 1] = faces[i];
    }
  }
  // Levels for itemisation: X9-removed characters take their neighbour's level so they do not
  // split runs.
  std::vector<uint8_t> levels(bp.levels);
  for (size_t i = 0; i < n; ++i)
    if (bidi::removed_by_x9(bp.types[i])) levels[i] = i > 0 ? levels[i - 1] : static_cast<uint8_t>(bp.paragraph_level);

  auto make_runs = [&](size_t b, size_t e, const std::vector<uint8_t>& lv, size_t lv_offset) {
    std::vector<Run> runs;
    for (size_t i = b; i < e; ++i) {
      const uint8_t l = lv[i - lv_offset];
      if (runs.empty() || runs.back().level != l || runs.back().script != scripts[i] ||
          runs.back().face != faces[i]) {
        runs.push_back(Run{static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1), l, scripts[i], faces[i]});
      } else {
        runs.back().end = static_cast<uint32_t>(i + 1);
      }
    }
    return runs;
  };

  // Vertical metrics: the faces used in this paragraph (or the first face for an empty one).
  float asc = 0, desc = 0;
  {
    std::vector<bool> used(fonts_.size(), false);
    if (n == 0) used[0] = true;
    for (int f : faces) used[static_cast<size_t>(f)] = true;
    for (size_t f = 0; f < used.size(); ++f) {
      if (!used[f]) continue;
      const FontFace& face = fonts_.face(f);
      const float k = style.size_px * face.scale / static_cast<float>(face.upem);  // per-script factor
      asc = std::max(asc, static_cast<float>(face.ascender) * k);
      desc = std::max(desc, -static_cast<float>(face.descender) * k);
    }
  }
  const float line_height = std::ceil((asc + desc) * style.line_spacing);
  out.line_height = std::max(out.line_height, line_height);

  // [SECTION] line breaking: measure every character's advance by shaping the whole paragraph.
  std::vector<float> advance(n, 0.0f);
  std::vector<uint8_t> cluster_start(n, 0);
  for (const Run& r : make_runs(0, n, levels, 0))
    shape_run(para, r, lang, style.size_px, nullptr, &advance, &cluster_start);

  struct Range { size_t b, e; };
  std::vector<Range> line_ranges;
  if (n == 0) {
    line_ranges.push_back({0, 0});
  } else if (style.max_width <= 0) {
    line_ranges.push_back({0, n});
  } else {
    const float max_w = style.max_width;
    size_t line_begin = 0;
    float line_w = 0;       // width up to the last break opportunity, without trailing spaces
    size_t i = 0;
    while (i < n) {
      // One word: [i, word_end) plus its trailing spaces up to spaces_end.
      size_t word_end = i;
      while (word_end < n && !is_break_space(para[word_end])) ++word_end;
      size_t spaces_end = word_end;
      while (spaces_end < n && is_break_space(para[spaces_end])) ++spaces_end;
      float word_w = 0, space_w = 0;
      for (size_t k = i; k < word_end; ++k) word_w += advance[k];
      for (size_t k = word_end; k < spaces_end; ++k) space_w += advance[k];
      if (line_begin < i && line_w + word_w > max_w) {
        line_ranges.push_back({line_begin, i});
        line_begin = i;
        line_w = 0;
      }
      if (line_begin == i && word_w > max_w) {
        // A word longer than the line: break it between clusters.
        float w = 0;
        size_t k = i;
        while (k < word_end) {
          size_t next = k + 1;
          while (next < word_end && !cluster_start[next]) ++next;
          float cw = 0;
          for (size_t m = k; m < next; ++m) cw += advance[m];
          if (w > 0 && w + cw > max_w) {
            line_ranges.push_back({line_begin, k});
            line_begin = k;
            w = 0;
          }
          w += cw;
          k = next;
        }
        line_w = w + space_w;
        i = spaces_end;
        continue;
      }
      line_w += word_w + space_w;
      i = spaces_end;
    }
    line_ranges.push_back({line_begin, n});
  }

  // [SECTION] line assembly: L1 levels, runs, shaping, visual order of runs.
  std::vector<PositionedGlyph> run_glyphs;
  for (const Range& r : line_ranges) {
    size_t e = r.e;
    while (e > r.b && is_break_space(para[e - 1])) --e;  // trailing spaces take no room
    LaidOutLine line;
    line.rtl = rtl;
    line.baseline = y + std::floor(asc + (line_height - (asc + desc)) / 2 + 0.5f);
    line.first_glyph = static_cast<uint32_t>(out.glyphs.size());
    line.text_begin = static_cast<uint32_t>(r.b);
    line.text_end = static_cast<uint32_t>(e);
    std::vector<uint8_t> lv = bidi::line_levels(bp, r.b, e);
    for (size_t i = r.b; i < e; ++i)
      if (bidi::removed_by_x9(bp.types[i])) lv[i - r.b] = i > r.b ? lv[i - r.b - 1] : static_cast<uint8_t>(bp.paragraph_level);
    std::vector<Run> runs = make_runs(r.b, e, lv, r.b);
    std::vector<uint8_t> run_levels;
    for (const Run& run : runs) run_levels.push_back(run.level);
    float pen = 0;
    for (uint32_t idx : bidi::visual_order(run_levels)) {
      run_glyphs.clear();
      const float w = shape_run(para, runs[idx], lang, style.size_px, &run_glyphs, nullptr, nullptr);
      for (auto& g : run_glyphs) {
        g.x += pen;
        g.y += line.baseline;
        out.glyphs.push_back(g);
      }
      pen += w;
    }
    line.width = pen;
    line.glyph_count = static_cast<uint32_t>(out.glyphs.size()) - line.first_glyph;
    out.content_width = std::max(out.content_width, pen);
    out.lines.push_back(line);
    y += line_height;
  }
  secure_wipe(run_glyphs);
}

}  // namespace balie::text
