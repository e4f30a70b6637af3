// TextEngine: catalogs, session language, cached layout and audio behind one object
// (text/, main thread).
#include "balie/text/text_engine.h"

#include "balie/text/utf8.h"

namespace balie::text {

TextEngineConfig default_config(const std::filesystem::path& assets_dir,
                                const std::filesystem::path& generated_dir) {
  TextEngineConfig c;
  c.i18n_dir = assets_dir / "i18n";
  c.font_list = assets_dir / "fonts.txt";
  c.recorded_audio = assets_dir / "audio";
  c.generated_audio = generated_dir / "audio";
  return c;
}

TextEngine::TextEngine(const TextEngineConfig& config)
    : config_(config), language_(&base_language()),
      audio_(config.recorded_audio, config.generated_audio, config.max_cached_clips) {
  auto specs = load_font_list(config.font_list);
  std::vector<FontSpec> list;
  if (specs) {
    list = std::move(specs).value();
  } else {
    startup_errors_.push_back(specs.error().message + "; using the built-in font list");
    list = {{"Noto Sans", {}}, {"Noto Naskh Arabic", {}}, {"Noto Sans Ethiopic", {}}};
  }
  fonts_ = std::make_unique<FontSet>(list, config.max_font_faces);
  for (const auto& e : fonts_->errors()) startup_errors_.push_back(e);
  layout_engine_ = std::make_unique<LayoutEngine>(*fonts_);
  cache_ = std::make_unique<ParagraphCache>(*layout_engine_, config.cache);
  load_catalogs(config.i18n_dir);
}

TextEngine::~TextEngine() { clear_session_caches(); }

void TextEngine::load_catalogs(const std::filesystem::path& dir) {
  // Dutch first: every other catalog is checked against it.
  auto base = load_po_file(dir / "nl.po");
  if (!base) {
    startup_errors_.push_back("Dutch catalog unusable (" + base.error().message +
                              "); screens will show message keys");
    return;
  }
  for (const auto& issue : validate_base(*base))
    startup_errors_.push_back(issue.source + ": " + issue.key + ": " + issue.message);
  catalogs_.emplace("nl", std::move(base).value());
  const Catalog& nl = catalogs_.at("nl");
  // Load all, then validate (a variant needs its fallback loaded).
  for (const auto& lang : languages()) {
    if (lang.code == kBaseLanguage) continue;
    auto cat = load_po_file(dir / (std::string(lang.code) + ".po"));
    if (!cat) {
      startup_errors_.push_back("catalog for " + std::string(lang.english_name) + " unusable (" +
                                cat.error().message + "); that language shows Dutch");
      continue;
    }
    catalogs_.emplace(std::string(lang.code), std::move(cat).value());
  }
  for (auto& [code, cat] : catalogs_) {
    if (code == kBaseLanguage) continue;
    // Drop broken entries so those keys fall back (to the variant's parent, then Dutch).
    std::vector<CatalogEntry> kept;
    for (auto& e : cat.entries) {
      const CatalogEntry* be = nl.find(e.key);
      if (!be) continue;  // stale key: unused
      if (auto st = check_entry(*be, e, cat.plural_rule.nplurals()); !st) {
        startup_errors_.push_back(cat.source + ": " + e.key + ": " + st.error().message + "; showing Dutch");
        continue;
      }
      kept.push_back(std::move(e));
    }
    cat.entries = std::move(kept);
    cat.reindex();
    const Language* lang = find_language(code);
    const Catalog* parent = lang && !lang->fallback.empty() ? catalog(lang->fallback) : nullptr;
    size_t missing = 0;
    for (const auto& be : nl.entries)
      if (!cat.find(be.key) && !(parent && parent->find(be.key))) ++missing;
    if (missing)
      startup_errors_.push_back(cat.source + ": " + std::to_string(missing) +
                                " key(s) missing; they show in Dutch");
  }
}

const Catalog* TextEngine::catalog(std::string_view code) const {
  auto it = catalogs_.find(code);
  return it == catalogs_.end() ? nullptr : &it->second;
}

std::vector<std::string> TextEngine::spoken_keys() const {
  std::vector<std::string> out;
  if (const Catalog* nl = catalog(kBaseLanguage))
    for (const auto& e : nl->entries)
      if (e.spoken) out.push_back(e.key);
  return out;
}

Status TextEngine::set_language(std::string_view code) {
  const Language* lang = find_language(code);
  if (!lang) return Error{"unknown language code '" + sanitize_utf8(code) + "'; staying in " + std::string(language_->english_name)};
  if (!catalog(code)) return Error{"no usable catalog for " + std::string(lang->english_name) + "; staying in " + std::string(language_->english_name)};
  language_ = lang;
  return Status::Ok();
}

void TextEngine::reset_language() { language_ = &base_language(); }

const CatalogEntry* TextEngine::lookup(const Language& lang, std::string_view key, const Catalog** from) const {
  const Language* l = &lang;
  for (int depth = 0; l && depth < 4; ++depth) {
    if (const Catalog* c = catalog(l->code))
      if (const CatalogEntry* e = c->find(key)) {
        if (from) *from = c;
        return e;
      }
    l = l->fallback.empty() ? nullptr : find_language(l->fallback);
  }
  if (const Catalog* nl = catalog(kBaseLanguage)) {
    if (from) *from = nl;
    return nl->find(key);
  }
  return nullptr;
}

void TextEngine::log_runtime(std::string message) {
  if (runtime_errors_.size() >= config_.max_logged_errors) return;
  runtime_errors_.push_back(std::move(message));
}

std::string TextEngine::tr(std::string_view key, std::initializer_list<Arg> args) {
  return tr_in(*language_, key, args);
}

std::string TextEngine::tr_in(const Language& lang, std::string_view key,
                              std::initializer_list<Arg> args) {
  const Catalog* from = nullptr;
  const CatalogEntry* e = lookup(lang, key, &from);
  if (!e) {
    log_runtime("missing catalog key '" + sanitize_utf8(key) + "'");
    return sanitize_utf8(key);
  }
  // A plural entry takes the form for its {count} (or {days}) argument, by its catalog's rule.
  const std::string* text = &e->text;
  if (e->plural()) {
    unsigned long n = 0;
    bool have = false;
    for (const Arg& a : args)
      if (!have && is_plural_count_arg(a.name)) have = parse_plural_count(a.value, &n);
    if (!have) log_runtime(std::string(lang.code) + ": " + e->key + ": a plural entry needs a numeric {count} or {days}");
    text = &select_form(*e, from->plural_rule, n);
  }
  auto filled = fill_placeholders(*text, args);
  if (!filled) {
    log_runtime(std::string(lang.code) + ": " + e->key + ": " + filled.error().message);
    return *text;
  }
  return std::move(filled).value();
}

std::shared_ptr<const ParagraphLayout> TextEngine::layout(std::string_view utf8, const TextStyle& style) {
  return cache_->get(utf8, style, *language_);
}

std::shared_ptr<const ParagraphLayout> TextEngine::layout(std::string_view utf8, const TextStyle& style,
                                                          const Language& lang) {
  return cache_->get(utf8, style, lang);
}

Result<std::string> TextEngine::format_date(Date date, Digits digits) const {
  return balie::text::format_date(*language_, date, digits);
}

Result<std::shared_ptr<const platform::PcmClip>> TextEngine::spoken_clip(std::string_view key) {
  return audio_.clip(language_->code, key);
}

void TextEngine::clear_session_caches() {
  if (cache_) cache_->wipe();
  if (layout_engine_) layout_engine_->wipe_scratch();
  audio_.clear_cache();
}

void TextEngine::end_session() {
  clear_session_caches();
  reset_language();
}

}  // namespace balie::text
