// Font discovery (fontconfig / known paths) and face management (text/, main thread).
#include "balie/text/fonts.h"

#include <algorithm>
#include <initializer_list>

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ot.h>
#include <hb.h>

#include <fstream>
#include <sstream>

namespace balie::text {

namespace {
std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// Path of the regular face of `family` according to fontconfig, "" when fontconfig has no such
// family (fontconfig always returns *some* font; we check the family actually matches).
std::string fontconfig_path(const std::string& family) {
  if (!FcInit()) return {};
  FcPattern* pat = FcPatternCreate();
  FcPatternAddString(pat, FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()));
  FcPatternAddInteger(pat, FC_WEIGHT, FC_WEIGHT_REGULAR);
  FcPatternAddInteger(pat, FC_SLANT, FC_SLANT_ROMAN);
  FcConfigSubstitute(nullptr, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res;
  FcPattern* match = FcFontMatch(nullptr, pat, &res);
  std::string out;
  if (match) {
    FcChar8* fam = nullptr;
    FcChar8* file = nullptr;
    if (FcPatternGetString(match, FC_FAMILY, 0, &fam) == FcResultMatch &&
        FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
        family == reinterpret_cast<const char*>(fam))
      out = reinterpret_cast<const char*>(file);
    FcPatternDestroy(match);
  }
  FcPatternDestroy(pat);
  return out;
}

// A font file covering c, according to fontconfig; "" when none.
std::pair<std::string, std::string> fontconfig_cover(char32_t c) {
  if (!FcInit()) return {};
  FcPattern* pat = FcPatternCreate();
  FcCharSet* cs = FcCharSetCreate();
  FcCharSetAddChar(cs, c);
  FcPatternAddCharSet(pat, FC_CHARSET, cs);
  FcPatternAddInteger(pat, FC_WEIGHT, FC_WEIGHT_REGULAR);
  FcPatternAddString(pat, FC_FAMILY, reinterpret_cast<const FcChar8*>("Noto Sans"));
  FcConfigSubstitute(nullptr, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res;
  FcFontSet* set = FcFontSort(nullptr, pat, FcTrue, nullptr, &res);
  std::pair<std::string, std::string> out;
  if (set) {
    for (int i = 0; i < set->nfont && out.first.empty(); ++i) {
      FcCharSet* fcs = nullptr;
      FcChar8* file = nullptr;
      FcChar8* fam = nullptr;
      if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &fcs) == FcResultMatch &&
          FcCharSetHasChar(fcs, c) &&
          FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) == FcResultMatch) {
        FcPatternGetString(set->fonts[i], FC_FAMILY, 0, &fam);
        out = {reinterpret_cast<const char*>(file), fam ? reinterpret_cast<const char*>(fam) : "?"};
      }
    }
    FcFontSetDestroy(set);
  }
  FcCharSetDestroy(cs);
  FcPatternDestroy(pat);
  return out;
}
}  // namespace

Result<std::vector<FontSpec>> parse_font_list(std::string_view text) {
  std::vector<FontSpec> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    if (trim(line).empty()) continue;
    FontSpec spec;
    size_t pos = 0;
    bool first = true;
    while (pos <= line.size()) {
      size_t bar = line.find('|', pos);
      if (bar == std::string::npos) bar = line.size();
      std::string part = trim(std::string_view(line).substr(pos, bar - pos));
      if (first) spec.family = part;
      else if (!part.empty()) spec.known_paths.push_back(part);
      first = false;
      pos = bar + 1;
    }
    if (spec.family.empty()) return Error{"fonts.txt:" + std::to_string(n) + ": empty family name"};
    out.push_back(std::move(spec));
  }
  if (out.empty()) return Error{"fonts.txt lists no fonts"};
  return out;
}

Result<std::vector<FontSpec>> load_font_list(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot open font list " + path.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_font_list(ss.str());
}

FontSet::FontSet(const std::vector<FontSpec>& specs, size_t max_faces) : max_faces_(max_faces) {
  if (FT_Init_FreeType(&library_) != 0) {
    library_ = nullptr;
    errors_.push_back("FreeType could not be initialised; no text can be drawn");
    return;
  }
  for (const auto& spec : specs) {
    if (faces_.size() >= max_faces_) break;
    std::string err;
    // The known Debian path first: starting fontconfig (its configuration and cache) cost ~10 ms
    // of the kiosk's start, and it is then only needed for a family installed elsewhere or for a
    // character no listed face covers.
    bool loaded = false;
    for (const auto& p : spec.known_paths) {
      if (std::filesystem::exists(p) && add_face(spec.family, p, &err)) {
        loaded = true;
        break;
      }
    }
    if (!loaded) {
      std::string path = fontconfig_path(spec.family);
      loaded = !path.empty() && add_face(spec.family, path, &err);
    }
    if (!loaded)
      errors_.push_back("font '" + spec.family + "' not found (fontconfig and known paths" +
                        (err.empty() ? "" : "; " + err) +
                        "); text in its script falls back to other installed fonts");
  }
  if (faces_.empty()) {
    // Last resort so that text never goes blank: whatever fontconfig calls sans-serif.
    auto [file, fam] = fontconfig_cover(U'a');
    std::string err;
    if (file.empty() || !add_face(fam, file, &err))
      errors_.push_back("no usable font at all: install fonts-noto-core");
  }
}

FontSet::~FontSet() {
  for (auto& [k, f] : sized_) hb_font_destroy(f);
  for (auto& f : faces_) {
    hb_face_destroy(f->hb_face);
    FT_Done_Face(f->ft);
  }
  if (library_) FT_Done_FreeType(library_);
}

bool FontSet::add_face(const std::string& family, const std::filesystem::path& path,
                       std::string* err) {
  FT_Face ft = nullptr;
  if (FT_New_Face(library_, path.c_str(), 0, &ft) != 0) {
    *err = "cannot open " + path.string();
    return false;
  }
  hb_blob_t* blob = hb_blob_create_from_file_or_fail(path.c_str());
  if (!blob) {
    FT_Done_Face(ft);
    *err = "cannot read " + path.string();
    return false;
  }
  auto f = std::make_unique<FontFace>();
  f->family = family;
  f->path = path;
  f->ft = ft;
  f->hb_face = hb_face_create(blob, 0);
  hb_blob_destroy(blob);
  f->upem = hb_face_get_upem(f->hb_face);
  f->ascender = ft->ascender;
  f->descender = ft->descender;
  if (!faces_.empty()) f->scale = script_scale(faces_.front()->ft, ft);
  faces_.push_back(std::move(f));
  return true;
}

bool FontSet::has_glyph(size_t face, char32_t c) const {
  return FT_Get_Char_Index(faces_[face]->ft, c) != 0;
}

int FontSet::face_for(char32_t c) {
  for (size_t i = 0; i < faces_.size(); ++i)
    if (has_glyph(i, c)) return static_cast<int>(i);
  auto it = fallback_lookups_.find(c);
  if (it != fallback_lookups_.end()) return it->second;
  int result = -1;
  if (faces_.size() < max_faces_ && library_) {
    auto [file, fam] = fontconfig_cover(c);
    std::string err;
    if (!file.empty()) {
      for (size_t i = 0; i < faces_.size(); ++i)
        if (faces_[i]->path == file) file.clear();  // already loaded, yet no glyph: give up
      if (!file.empty() && add_face(fam, file, &err) && has_glyph(faces_.size() - 1, c))
        result = static_cast<int>(faces_.size() - 1);
    }
  }
  if (fallback_lookups_.size() > 4096) fallback_lookups_.clear();
  fallback_lookups_[c] = result;
  return result;
}

hb_font_t* FontSet::hb_font(size_t face, float size_px) {
  size_px *= faces_[face]->scale;  // per-script size factor (FontFace::scale)
  const int scale = static_cast<int>(size_px * 64.0f + 0.5f);
  const uint64_t key = (static_cast<uint64_t>(face) << 32) | static_cast<uint32_t>(scale);
  auto it = sized_.find(key);
  if (it != sized_.end()) return it->second;
  if (sized_.size() >= kMaxSizedFonts) {
    for (auto& [k, f] : sized_) hb_font_destroy(f);
    sized_.clear();
  }
  hb_font_t* font = hb_font_create(faces_[face]->hb_face);
  hb_font_set_scale(font, scale, scale);
  sized_[key] = font;
  return font;
}

namespace {
// Mean ink height (yMax, or yMax - yMin when `full`) in font units per em of the glyphs for `cps`;
// 0 when one is missing.
double mean_height(FT_Face f, std::initializer_list<char32_t> cps, bool full) {
  double sum = 0;
  for (char32_t c : cps) {
    const FT_UInt g = FT_Get_Char_Index(f, c);
    if (g == 0 || FT_Load_Glyph(f, g, FT_LOAD_NO_SCALE | FT_LOAD_NO_HINTING) != 0) return 0;
    const FT_Glyph_Metrics& m = f->glyph->metrics;
    sum += static_cast<double>(full ? m.height : m.horiBearingY) / f->units_per_EM;
  }
  return sum / static_cast<double>(cps.size());
}
}  // namespace

float script_scale(FT_Face latin, FT_Face ft) {
  if (latin == nullptr || ft == nullptr || latin == ft) return 1.0f;
  double ref = 0, own = 0;
  if (FT_Get_Char_Index(ft, U'\u0647') != 0) {  // Arabic script
    ref = mean_height(latin, {U'x', U'z', U'v'}, false);
    own = mean_height(ft, {U'\u0647', U'\u062F'}, false);
  } else if (FT_Get_Char_Index(ft, U'\u1200') != 0) {  // Ethiopic
    ref = mean_height(latin, {U'H', U'E', U'I'}, false);
    own = mean_height(ft, {U'\u1200', U'\u1208', U'\u1218', U'\u1230'}, false);
  }
  if (ref <= 0 || own <= 0) return 1.0f;
  return static_cast<float>(std::clamp(ref / own, 1.0, 1.4));
}

}  // namespace balie::text
