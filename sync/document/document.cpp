// Rendering the declaration PDF (cairo + pango), PDF/A-3b finishing and evidence extraction (libqpdf).
// See document.h.
#include "document.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <openssl/evp.h>
#include <qpdf/Buffer.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFEFStreamObjectHelper.hh>
#include <qpdf/QPDFEmbeddedFileDocumentHelper.hh>
#include <qpdf/QPDFFileSpecObjectHelper.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFWriter.hh>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "balie/record/codec.h"

namespace balie::document {

using record::Errc;
using record::make_error;

namespace {

constexpr double kPageW = 595.276, kPageH = 841.89;  // A4 in points
constexpr double kMargin = 56.0;
constexpr const char* kEmbeddedName = "evidence-package.json";

std::string s_of(const nlohmann::json& o, const char* k) {
  if (!o.is_object()) return {};
  auto it = o.find(k);
  if (it == o.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_null()) return {};
  return it->dump();
}
const nlohmann::json& sub(const nlohmann::json& o, const char* k) {
  static const nlohmann::json empty = nlohmann::json::object();
  return o.is_object() && o.contains(k) && o[k].is_object() ? o[k] : empty;
}

bool is_rtl_language(const std::string& l) { return l == "ar" || l == "fa" || l == "ckb" || l == "ps" || l == "ur"; }

// Writes pango text line by line onto pages; starts a new page when a line does not fit.
class Writer {
 public:
  Writer(cairo_t* cr, const Declaration& d) : cr_(cr), d_(d) {}
  ~Writer() {
    if (layout_) g_object_unref(layout_);
  }
  void begin_page() {
    if (page_open_) cairo_show_page(cr_);
    page_open_ = true;
    ++page_;
    y_ = kMargin + 18;
    // Running header: the reference on every page.
    PangoLayout* h = pango_cairo_create_layout(cr_);
    set_font(h, "Noto Sans 8", "nl");
    const std::string head = d_.doc_title + "  ·  referentie " + d_.reference + "  ·  pagina " + std::to_string(page_);
    pango_layout_set_text(h, head.c_str(), -1);
    cairo_set_source_rgb(cr_, 0.35, 0.35, 0.35);
    cairo_move_to(cr_, kMargin, kMargin - 14);
    pango_cairo_show_layout(cr_, h);
    cairo_set_source_rgb(cr_, 0, 0, 0);
    g_object_unref(h);
  }
  void text(const std::string& t, const char* font, const std::string& lang, double space_after = 6,
            double indent = 0) {
    if (!layout_) layout_ = pango_cairo_create_layout(cr_);
    set_font(layout_, font, lang);
    pango_layout_set_width(layout_, static_cast<int>((kPageW - 2 * kMargin - indent) * PANGO_SCALE));
    pango_layout_set_wrap(layout_, PANGO_WRAP_WORD_CHAR);
    // A text as signed takes each paragraph's direction from its first strong character (Arabic script
    // right to left, mirrored alignment); Dutch captions and evidence rows stay left to right even when a
    // value (a title) is Arabic.
    pango_layout_set_auto_dir(layout_, lang != "nl");
    pango_context_set_base_dir(pango_layout_get_context(layout_), PANGO_DIRECTION_LTR);
    pango_layout_context_changed(layout_);
    pango_layout_set_alignment(layout_, PANGO_ALIGN_LEFT);  // mirrored for right-to-left paragraphs
    pango_layout_set_text(layout_, t.c_str(), -1);
    PangoLayoutIter* it = pango_layout_get_iter(layout_);
    double base_y = y_;
    double first_top = -1;
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(it, nullptr, &logical);
      const double top = logical.y / double(PANGO_SCALE), h = logical.height / double(PANGO_SCALE);
      if (first_top < 0) first_top = top;
      if (base_y + (top - first_top) + h > kPageH - kMargin) {  // next page, this line at its top
        begin_page();
        base_y = y_;
        first_top = top;
      }
      const double baseline = pango_layout_iter_get_baseline(it) / double(PANGO_SCALE);
      PangoLayoutLine* line = pango_layout_iter_get_line_readonly(it);
      cairo_move_to(cr_, kMargin + indent + logical.x / double(PANGO_SCALE), base_y + (baseline - first_top));
      pango_cairo_show_layout_line(cr_, line);
      y_ = base_y + (top - first_top) + h;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    y_ += space_after;
  }
  double y() const { return y_; }
  void skip(double dy) { y_ += dy; }
  void finish() {
    if (page_open_) cairo_show_page(cr_);
    page_open_ = false;
  }

 private:
  static void set_font(PangoLayout* l, const char* font, const std::string& lang) {
    // "Noto Sans 10" -> "Noto Sans,Noto Naskh Arabic,Noto Sans Ethiopic 10": every script of the shipped
    // languages from a Noto face (fonts-noto-core), never a fontconfig fallback such as DejaVu.
    std::string spec = font;
    const std::string fam = "Noto Sans";
    if (spec.rfind(fam, 0) == 0)
      spec = std::string(is_rtl_language(lang) ? "Noto Naskh Arabic,Noto Sans" : "Noto Sans") +
             ",Noto Naskh Arabic,Noto Sans Ethiopic" + spec.substr(fam.size());
    PangoFontDescription* fd = pango_font_description_from_string(spec.c_str());
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    // The language picks the right forms where scripts are shared (Farsi/Sorani vs Arabic).
    pango_context_set_language(pango_layout_get_context(l), pango_language_from_string(lang.c_str()));
    pango_layout_context_changed(l);
  }
  cairo_t* cr_;
  const Declaration& d_;
  PangoLayout* layout_ = nullptr;
  bool page_open_ = false;
  int page_ = 0;
  double y_ = kMargin;
};

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int len) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), len);
  return CAIRO_STATUS_SUCCESS;
}

struct PngReader {
  const std::vector<std::uint8_t>* bytes;
  std::size_t pos = 0;
};
cairo_status_t read_png(void* closure, unsigned char* data, unsigned int len) {
  auto* r = static_cast<PngReader*>(closure);
  if (r->pos + len > r->bytes->size()) return CAIRO_STATUS_READ_ERROR;
  std::memcpy(data, r->bytes->data() + r->pos, len);
  r->pos += len;
  return CAIRO_STATUS_SUCCESS;
}

// "2026-12-06T15:30:00Z" -> PDF date and XMP date.
std::string pdf_date(const std::string& iso) {
  if (iso.size() < 19) return "D:19700101000000+00'00'";
  return "D:" + iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + iso.substr(11, 2) + iso.substr(14, 2) +
         iso.substr(17, 2) + "+00'00'";
}
std::string xmp_date(const std::string& iso) {
  return iso.size() < 19 ? "1970-01-01T00:00:00+00:00" : iso.substr(0, 19) + "+00:00";
}
std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

}  // namespace

std::string default_icc_path() {
  for (const char* p : {"/usr/share/color/icc/sRGB.icc", "/usr/share/color/icc/colord/sRGB.icc"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

Declaration declaration_from_report(const record::EvidenceReport& r, const std::string& package_json,
                                    const std::vector<std::pair<std::string, std::string>>& resident_known,
                                    const std::string& now_utc) {
  (void)package_json;
  Declaration d;
  const auto& s = r.sensitive;
  const auto& pkg = r.package;
  d.doc_title = "Participatieverklaring " + r.env.gemeentecode;
  d.reference = r.reference;
  d.record_id = r.env.record_id;
  d.texts = r.texts.texts;
  d.created_utc = now_utc;
  const auto& img = sub(sub(s, "signature"), "image");
  if (auto b = record::from_base64(s_of(img, "base64"), 4u * 1024 * 1024))
    if (record::sha256_hex(*b) == s_of(img, "sha256")) d.signature_png = std::move(*b);

  const auto& subj = sub(s, "subject");
  Section resident{"Ingezetene zoals de gemeente hem of haar kent (resident as known to the municipality)", {}};
  for (const auto& kv : resident_known) resident.rows.push_back(kv);
  resident.rows.push_back({"BSN", s_of(subj, "bsn")});
  resident.rows.push_back({"V-nummer", s_of(subj, "v_nummer")});
  resident.rows.push_back({"Naam (getoond / shown)", s_of(subj, "name_shown")});
  resident.rows.push_back({"Naam (Latijns schrift)", s_of(subj, "name_latin")});
  resident.rows.push_back({"Geboortedatum", s_of(subj, "geboortedatum")});
  resident.rows.push_back({"Resident id / gemeente client id", s_of(subj, "resident_id") + " / " + s_of(subj, "gemeente_client_id")});
  resident.rows.push_back({"Identificatie", s_of(sub(subj, "identification"), "method") + ", gecontroleerd door staff " +
                                               s_of(sub(subj, "identification"), "checked_by_staff_id")});
  d.evidence.push_back(resident);

  const auto& pub = sub(s, "public");
  const auto& place = sub(s, "place");
  Section device{"Apparaat, locatie en personen (device, location, staff and host)", {}};
  device.rows.push_back({"Device id", r.env.device_id});
  device.rows.push_back({"Device key (Ed25519)", s_of(sub(pkg, "device"), "ed25519_pk")});
  device.rows.push_back({"Ingeschreven op locatie (enrolment)", s_of(sub(pkg, "device"), "locatiecode")});
  device.rows.push_back({"Locatie", s_of(place, "location_name") + " (" + s_of(place, "location_id") + "), kiosk " +
                                        s_of(place, "kiosk_id")});
  device.rows.push_back({"Software", s_of(sub(pub, "software"), "name") + " " + s_of(sub(pub, "software"), "version") +
                                         " build " + s_of(sub(pub, "software"), "build")});
  device.rows.push_back({"Host (gemeente)", s_of(sub(s, "host"), "staff_id") + " " + s_of(sub(s, "host"), "name")});
  device.rows.push_back({"Identiteit gecontroleerd door", s_of(sub(subj, "identification"), "checked_by_staff_id")});
  d.evidence.push_back(device);

  const auto& time = sub(s, "time");
  Section times{"Tijden (times)", {}};
  times.rows.push_back({"Datum ondertekening PVT", s_of(s, "datumOndertekeningPvt")});
  times.rows.push_back({"Bevestigd (UTC)", s_of(time, "utc") + " (klok: " + s_of(time, "clock_source") +
                                               ", gesynchroniseerd: " + s_of(time, "synchronised") + ")"});
  times.rows.push_back({"Record aangemaakt (package)", r.env.created_at});
  times.rows.push_back({"Ontvangen door de gemeente (ack)", s_of(r.ack, "received_at")});
  d.evidence.push_back(times);

  Section texts{"Teksten en hashes (texts and hashes)", {}};
  const auto& doc = sub(s, "document");
  if (doc.contains("texts") && doc["texts"].is_array())
    for (const auto& t : doc["texts"])
      texts.rows.push_back({s_of(t, "version_id") + " (" + s_of(t, "language") + ")",
                            "\"" + s_of(t, "title") + "\" body_sha256 " + s_of(t, "body_sha256")});
  texts.rows.push_back({"canonical_text_sha256 (" + s_of(doc, "canonical_format") + ")", s_of(doc, "canonical_text_sha256")});
  d.evidence.push_back(texts);

  Section chain{"Keten (chain position)", {}};
  chain.rows.push_back({"seq", std::to_string(r.env.seq)});
  chain.rows.push_back({"prev_sha256", r.env.prev_sha256});
  chain.rows.push_back({"package_sha256", r.env.package_sha256});
  chain.rows.push_back({"sealed_sha256", r.env.sealed_sha256});
  chain.rows.push_back({"Gat in de keten bij ontvangst", s_of(sub(pkg, "chain"), "receiver_chain_gap")});
  d.evidence.push_back(chain);

  Section ver{"Verificatie (verification result: " + s_of(r.to_json(), "result") + ", exit " +
                  std::to_string(static_cast<int>(r.exit)) + ")",
              {}};
  for (const auto& l : r.lines) ver.rows.push_back({l.check + ": " + l.result, l.detail});
  ver.rows.push_back({"Referentiecode", r.reference});
  ver.rows.push_back({"Record id", r.env.record_id});
  ver.rows.push_back({"Controle", "balie-verify --texts <text packs> " + std::string(kEmbeddedName) +
                                      " (the evidence package is embedded in this PDF)"});
  d.evidence.push_back(ver);
  return d;
}

record::Result<std::string> render_pdf(const Declaration& d) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(append_to_string, &out, kPageW, kPageH);
  cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
  cairo_t* cr = cairo_create(surface);
  {
    Writer w(cr, d);
    // One section per text, as signed: Dutch first, then the resident's language.
    for (std::size_t i = 0; i < d.texts.size(); ++i) {
      const auto& t = d.texts[i];
      w.begin_page();
      w.text(i == 0 ? "Tekst zoals ondertekend (Nederlands) · " + t.version_id
                    : "Tekst zoals ondertekend (taal: " + t.language + ") · " + t.version_id,
             "Noto Sans 8", "nl", 10);
      w.text(t.title, "Noto Sans Bold 15", t.language, 10);
      std::string para;
      std::istringstream in(t.body);
      while (std::getline(in, para)) {
        if (para.empty()) {
          w.skip(5);
          continue;
        }
        w.text(para, "Noto Sans 10.5", t.language, 3);
      }
    }
    // Signature and evidence.
    w.begin_page();
    w.text("Handtekening (signature image from the record)", "Noto Sans Bold 12", "nl", 8);
    if (!d.signature_png.empty()) {
      PngReader rd{&d.signature_png};
      cairo_surface_t* img = cairo_image_surface_create_from_png_stream(read_png, &rd);
      if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        const double iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
        const double scale = std::min({1.0, 300.0 / std::max(1.0, iw), 140.0 / std::max(1.0, ih)});
        cairo_save(cr);
        cairo_translate(cr, kMargin, w.y());
        cairo_rectangle(cr, 0, 0, iw * scale, ih * scale);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill(cr);
        cairo_scale(cr, scale, scale);
        cairo_set_source_surface(cr, img, 0, 0);
        // NEAREST/FAST: cairo writes /Interpolate false (PDF/A forbids /Interpolate true).
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_FAST);
        cairo_paint(cr);
        cairo_restore(cr);
        w.skip(ih * scale + 10);
      } else {
        w.text("(the signature image in the record cannot be read)", "Noto Sans 10", "nl");
      }
      cairo_surface_destroy(img);
    } else {
      w.text("(no signature image, or its sha256 does not match the record)", "Noto Sans 10", "nl");
    }
    for (const auto& sec : d.evidence) {
      w.skip(4);
      w.text(sec.heading, "Noto Sans Bold 10", "nl", 3);
      for (const auto& [k, v] : sec.rows) {
        w.text(k, "Noto Sans Bold 7.5", "nl", 0, 8);
        w.text(v.empty() ? "-" : v, "Noto Sans 7.5", "nl", 2, 16);
      }
    }
    w.finish();
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t st = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) return make_error(Errc::internal, std::string("cairo: ") + cairo_status_to_string(st));
  return out;
}

record::Result<std::string> make_pdfa3(const std::string& pdf, const Declaration& d, const std::string& package_json,
                                       const std::string& icc_path) {
  std::ifstream icc_in(icc_path, std::ios::binary);
  std::stringstream icc;
  icc << icc_in.rdbuf();
  if (icc_path.empty() || !icc_in || icc.str().size() < 128)
    return make_error(Errc::io, "PDF/A: cannot read the sRGB ICC profile '" + icc_path +
                                    "' (Debian package icc-profiles-free)");
  try {
    QPDF q;
    q.setSuppressWarnings(true);
    q.processMemoryFile("cairo", pdf.data(), pdf.size());
    QPDFObjectHandle root = q.getRoot();
    const std::string created = pdf_date(d.created_utc), xcreated = xmp_date(d.created_utc);
    const std::string title = d.doc_title + " " + d.reference, creator = "balie-inbox document",
                      producer = "cairo " + std::string(cairo_version_string()) + " + pango " +
                                 pango_version_string() + " + libqpdf " + QPDF::QPDFVersion();
    // Info dictionary, exactly mirrored in the XMP below (PDF/A-2/3 6.6.2.3.2).
    QPDFObjectHandle info = QPDFObjectHandle::newDictionary();
    info.replaceKey("/Title", QPDFObjectHandle::newUnicodeString(title));
    info.replaceKey("/Creator", QPDFObjectHandle::newUnicodeString(creator));
    info.replaceKey("/Producer", QPDFObjectHandle::newUnicodeString(producer));
    info.replaceKey("/CreationDate", QPDFObjectHandle::newString(created));
    info.replaceKey("/ModDate", QPDFObjectHandle::newString(created));
    q.getTrailer().replaceKey("/Info", q.makeIndirectObject(info));

    const std::string xmp =
        "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
        " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
        "  <rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n"
        "   <pdfaid:part>3</pdfaid:part>\n   <pdfaid:conformance>B</pdfaid:conformance>\n  </rdf:Description>\n"
        "  <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        "   <dc:format>application/pdf</dc:format>\n"
        "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml_escape(title) + "</rdf:li></rdf:Alt></dc:title>\n"
        "  </rdf:Description>\n"
        "  <rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n"
        "   <xmp:CreatorTool>" + xml_escape(creator) + "</xmp:CreatorTool>\n"
        "   <xmp:CreateDate>" + xcreated + "</xmp:CreateDate>\n   <xmp:ModifyDate>" + xcreated + "</xmp:ModifyDate>\n"
        "  </rdf:Description>\n"
        "  <rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n"
        "   <pdf:Producer>" + xml_escape(producer) + "</pdf:Producer>\n  </rdf:Description>\n"
        " </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
    QPDFObjectHandle meta = QPDFObjectHandle::newStream(&q, xmp);
    meta.getDict().replaceKey("/Type", QPDFObjectHandle::newName("/Metadata"));
    meta.getDict().replaceKey("/Subtype", QPDFObjectHandle::newName("/XML"));
    root.replaceKey("/Metadata", meta);

    QPDFObjectHandle profile = QPDFObjectHandle::newStream(&q, icc.str());
    profile.getDict().replaceKey("/N", QPDFObjectHandle::newInteger(3));
    QPDFObjectHandle intent = QPDFObjectHandle::newDictionary();
    intent.replaceKey("/Type", QPDFObjectHandle::newName("/OutputIntent"));
    intent.replaceKey("/S", QPDFObjectHandle::newName("/GTS_PDFA1"));
    intent.replaceKey("/OutputConditionIdentifier", QPDFObjectHandle::newString("sRGB IEC61966-2.1"));
    intent.replaceKey("/Info", QPDFObjectHandle::newString("sRGB IEC61966-2.1"));
    intent.replaceKey("/DestOutputProfile", profile);
    root.replaceKey("/OutputIntents", QPDFObjectHandle::newArray({q.makeIndirectObject(intent)}));

    // The evidence package: PDF/A-3 associated file.
    auto ef = QPDFEFStreamObjectHelper::createEFStream(q, package_json);
    ef.setSubtype("application/json");
    ef.setCreationDate(created);
    ef.setModDate(created);
    auto fs = QPDFFileSpecObjectHelper::createFileSpec(q, kEmbeddedName, ef);
    fs.setDescription("balie-evidence-package/1 of record " + d.record_id + " (check with balie-verify)");
    QPDFObjectHandle fso = fs.getObjectHandle();
    fso.replaceKey("/AFRelationship", QPDFObjectHandle::newName("/Source"));
    QPDFEmbeddedFileDocumentHelper(q).replaceEmbeddedFile(kEmbeddedName, fs);
    root.replaceKey("/AF", QPDFObjectHandle::newArray({fso}));
    root.replaceKey("/Lang", QPDFObjectHandle::newString("nl"));

    QPDFWriter w(q);
    w.setOutputMemory();
    w.setDeterministicID(true);
    w.setStreamDataMode(qpdf_s_compress);  // Flate everywhere (XMP metadata stays uncompressed)
    w.setMinimumPDFVersion("1.7");
    w.setObjectStreamMode(qpdf_o_disable);  // PDF/A-compatible cross-reference table
    w.write();
    std::shared_ptr<Buffer> b(w.getBufferSharedPointer());
    return std::string(reinterpret_cast<const char*>(b->getBuffer()), b->getSize());
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string("PDF/A finishing (qpdf): ") + e.what());
  }
}

record::Result<std::string> render_declaration(const Declaration& d, const std::string& package_json,
                                               const std::string& icc_path) {
  auto pdf = render_pdf(d);
  if (!pdf) return pdf.error();
  return make_pdfa3(*pdf, d, package_json, icc_path);
}

namespace {
// Decoded stream bytes, refused beyond `limit` (a Flate bomb in a hostile PDF stops here, it does not
// fill the memory); keeps the bytes only when `keep`.
class LimitedSink final : public Pipeline {
 public:
  LimitedSink(std::size_t limit, bool keep) : Pipeline("balie-limited-sink", nullptr), limit_(limit), keep_(keep) {}
  void write(unsigned char const* data, size_t len) override {
    if (len > limit_ - n_) throw std::length_error("a stream decodes to more than the limit");
    n_ += len;
    if (keep_) out.append(reinterpret_cast<const char*>(data), len);
  }
  void finish() override {}
  std::string out;

 private:
  std::size_t limit_, n_ = 0;
  bool keep_;
};
constexpr std::size_t kMaxDecodedStream = 64u * 1024 * 1024;
}  // namespace

record::Result<std::string> extract_evidence_package(const std::string& pdf_bytes) {
  try {
    QPDF q;
    q.setSuppressWarnings(true);
    q.processMemoryFile("input.pdf", pdf_bytes.data(), pdf_bytes.size());
    // Decode every stream (bounded): a damaged stream or xref makes the file "damaged".
    for (auto& obj : q.getAllObjects()) {
      if (!obj.isStream()) continue;
      LimitedSink sink(kMaxDecodedStream, false);
      bool attempted = false;
      if (!obj.pipeStreamData(&sink, &attempted, 0, qpdf_dl_all, false, false))
        return make_error(Errc::invalid_input, "the PDF is damaged: a stream cannot be decoded, or decodes to more than 64 MiB");
    }
    if (q.anyWarnings()) {
      std::string first = q.getWarnings().empty() ? "" : q.getWarnings().front().what();
      return make_error(Errc::invalid_input, "the PDF is damaged: " + first.substr(0, 200));
    }
    QPDFEmbeddedFileDocumentHelper efh(q);
    auto files = efh.getEmbeddedFiles();
    if (files.size() != 1 || !files.count(kEmbeddedName))
      return make_error(Errc::invalid_input, "the PDF must carry exactly one embedded file named " +
                                                 std::string(kEmbeddedName) + " (it carries " +
                                                 std::to_string(files.size()) + ")");
    auto fs = files.at(kEmbeddedName);
    LimitedSink data_sink(record::kMaxEvidencePackageBytes, true);
    bool attempted = false;
    if (!fs->getEmbeddedFileStream().pipeStreamData(&data_sink, &attempted, 0, qpdf_dl_all, false, false))
      return make_error(Errc::invalid_input, "the PDF is damaged: the embedded evidence package cannot be decoded");
    const std::string& data = data_sink.out;
    // The MD5 /CheckSum written with the file (PDF 7.11.4): a changed byte of the package is "damaged",
    // whatever the Flate decoder made of it.
    const std::string sum = QPDFEFStreamObjectHelper(fs->getEmbeddedFileStream()).getChecksum();
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int md5_len = 0;
    if (sum.empty() || EVP_Digest(data.data(), data.size(), md5, &md5_len, EVP_md5(), nullptr) != 1 ||
        sum != std::string(reinterpret_cast<const char*>(md5), md5_len))
      return make_error(Errc::invalid_input, "the PDF is damaged: the embedded evidence package does not match its /CheckSum");
    return data;
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_input, std::string("the PDF cannot be read: ") + std::string(e.what()).substr(0, 200));
  }
}

}  // namespace balie::document
