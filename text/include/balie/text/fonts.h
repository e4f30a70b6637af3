// Font faces for the text engine (text/, main thread: FreeType faces are not thread-safe).
// Faces are listed in assets/fonts.txt in priority order ("Family | known path | known path");
// each is loaded from its known Debian path, else found with fontconfig by family name. A character no listed
// face covers is looked up with fontconfig (by coverage) and that face is added, up to a limit.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "balie/text/result.h"

typedef struct FT_LibraryRec_* FT_Library;
typedef struct FT_FaceRec_* FT_Face;
typedef struct hb_face_t hb_face_t;
typedef struct hb_font_t hb_font_t;

namespace balie::text {

struct FontSpec {
  std::string family;                      // fontconfig family name, e.g. "Noto Naskh Arabic"
  std::vector<std::string> known_paths;    // tried first; fontconfig by family name when none exists
};

// Parses fonts.txt ("Family | path | path", '#' comments).
Result<std::vector<FontSpec>> parse_font_list(std::string_view text);
Result<std::vector<FontSpec>> load_font_list(const std::filesystem::path& path);

struct FontFace {
  std::string family;
  std::filesystem::path path;
  FT_Face ft = nullptr;
  hb_face_t* hb_face = nullptr;
  unsigned upem = 1000;
  int ascender = 0;   // font units, positive up (hhea/OS2 via FreeType)
  int descender = 0;  // font units, negative
  // Size factor of this face (issue 18): Arabic-script and Ethiopic faces are drawn at
  // nominal size * scale so that they read as large as Latin at the same nominal size. Measured at
  // load with FreeType (script_scale()); 1 for Latin and every other face.
  float scale = 1.0f;
};

// The per-script size factor of `ft` against the Latin face `latin` (both measured with FreeType,
// unhinted outlines): an Arabic-script face (covers U+0647) is matched on the core zone (the body of
// ه and د, no dots, ascenders or descenders) against Latin's x-height (x); an Ethiopic face (covers
// U+1200) on the height of its first-order syllables (ሀ ለ መ ሰ) against Latin's cap height (H), since
// fidel have no x-height and stand on the full letter height. Never below 1 (a script is not shrunk
// below its nominal size), at most 1.4. 1 for any other face or when a glyph is missing.
float script_scale(FT_Face latin, FT_Face ft);

class FontSet {
 public:
  // Loads the faces in order. Faces that cannot be found are reported in errors() and skipped.
  // max_faces bounds the listed plus fallback faces.
  explicit FontSet(const std::vector<FontSpec>& specs, size_t max_faces = 12);
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  const std::vector<std::string>& errors() const { return errors_; }
  size_t size() const { return faces_.size(); }
  const FontFace& face(size_t i) const { return *faces_[i]; }
  FT_Library ft_library() const { return library_; }

  bool has_glyph(size_t face, char32_t c) const;
  // First face (in priority order) with a glyph for c; asks fontconfig for a covering face when
  // none has it. -1 when no font on the system covers c.
  int face_for(char32_t c);
  // HarfBuzz font for a face at a pixel size (scale = px * 64, i.e. 26.6 positions). Cached; the
  // cache is bounded (kMaxSizedFonts) and evicted wholesale when full.
  hb_font_t* hb_font(size_t face, float size_px);

  static constexpr size_t kMaxSizedFonts = 96;

 private:
  bool add_face(const std::string& family, const std::filesystem::path& path, std::string* err);

  FT_Library library_ = nullptr;
  std::vector<std::unique_ptr<FontFace>> faces_;
  std::vector<std::string> errors_;
  size_t max_faces_;
  std::unordered_map<uint64_t, hb_font_t*> sized_;
  std::unordered_map<char32_t, int> fallback_lookups_;  // char -> face or -1 (bounded by faces)
};

}  // namespace balie::text
