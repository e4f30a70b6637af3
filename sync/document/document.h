// The municipality's document per signed declaration (issue 17 item 2): a PDF rendered with cairo +
// pango (the Dutch text and the resident's language text exactly as signed, shaped by HarfBuzz through
// pango, the signature image and an evidence page), turned into PDF/A-3b with libqpdf (XMP pdfaid
// metadata, an sRGB OutputIntent, the evidence package embedded with AFRelationship /Source), and the
// reverse: taking the evidence package back out of such a PDF (balie-verify).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "balie/record/evidence_package.h"
#include "balie/record/result.h"

namespace balie::document {

struct Section {
  std::string heading;                                   // small caption above the text
  std::vector<std::pair<std::string, std::string>> rows;  // label, value
};

struct Declaration {
  std::string doc_title;                   // e.g. "Participatieverklaring GM0363"
  std::string reference, record_id;
  std::vector<record::ShownText> texts;    // Dutch first, then the resident's language, as signed
  std::vector<std::uint8_t> signature_png;  // the signature image of the record
  std::vector<Section> evidence;           // the evidence page
  std::string created_utc;                 // YYYY-MM-DDTHH:MM:SSZ, used for the PDF/XMP dates
};

// Builds the document contents from a verified (or refused) evidence report; `resident_known` are
// rows the municipality holds about the resident (its dossier), shown on the evidence page.
Declaration declaration_from_report(const record::EvidenceReport& r, const std::string& package_json,
                                    const std::vector<std::pair<std::string, std::string>>& resident_known,
                                    const std::string& now_utc);

// cairo + pango PDF (not yet PDF/A).
record::Result<std::string> render_pdf(const Declaration& d);
// PDF/A-3b finishing with libqpdf: Info + XMP (pdfaid part 3, conformance B), OutputIntent with the ICC
// profile at `icc_path` (sRGB), the evidence package as embedded file "evidence-package.json"
// (application/json, AFRelationship /Source, listed in the catalog's /AF).
record::Result<std::string> make_pdfa3(const std::string& pdf, const Declaration& d, const std::string& package_json,
                                       const std::string& icc_path);
// render_pdf + make_pdfa3.
record::Result<std::string> render_declaration(const Declaration& d, const std::string& package_json,
                                               const std::string& icc_path);

// Reads a PDF, decodes every stream (a damaged stream or xref is an error) and returns the one
// embedded evidence package. Errors: Errc::invalid_input (damaged, none, several).
record::Result<std::string> extract_evidence_package(const std::string& pdf_bytes);

// The sRGB profile Debian ships (icc-profiles-free), or "" when absent.
std::string default_icc_path();

}  // namespace balie::document
