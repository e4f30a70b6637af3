// Benchmark: the municipality's document per signed declaration (issue 17 item 2). A real PVT
// payload (kiosk/signing's build_pvt_evidence with the shipped texts of assets/texts), sealed and
// signed with record::seal_record, acknowledged with make_ack_json, packaged as
// balie-evidence-package/1; then per declaration: verify the package (all checks incl. the sealed
// part), render the cairo + pango PDF and finish it as PDF/A-3b (libqpdf), and, separately, what
// balie-verify does with such a PDF (extract + verify). Languages: Arabic, Tigrinya, Farsi.
//   build/default/bench/sync/bench_document
#include <benchmark/benchmark.h>

#include <filesystem>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/evidence_package.h"
#include "document.h"
#include "signing/evidence.h"
#include "signing/flow.h"
#include "signing/ink.h"

using namespace balie;

namespace {

struct Fixture {
  record::TextRegistry registry;
  record::BoxKey box = record::BoxKey::generate();
  std::map<std::string, std::string> package;  // language -> evidence package JSON
};

store::TextVersion text(const record::TextRegistry& reg, const std::string& lang) {
  const auto* e = reg.find("pvt-balie-1-GM0363-" + lang, "GM0363");
  if (!e) throw std::runtime_error("no text " + lang);
  store::TextVersion t;
  t.version_id = "pvt-balie-1-GM0363-" + lang;
  t.kind = e->kind;
  t.language = lang;
  t.title = e->title;
  t.body = e->body;
  t.sha256 = e->body_sha256;
  return t;
}

Fixture& fixture() {
  static Fixture* f = [] {
    record::crypto_ready();
    auto* fx = new Fixture();
    auto reg = record::TextRegistry::load_dir(std::filesystem::path(BALIE_SOURCE_DIR) / "assets/texts");
    if (!reg) throw std::runtime_error(reg.error().message);
    fx->registry = std::move(*reg);
    auto device = record::SigningKey::from_seed(record::random_key32());
    auto muni = record::SigningKey::from_seed(record::random_key32());
    record::ChainHead head;
    for (const char* lang : {"ar", "ti", "fa"}) {
      store::Resident r;
      r.id = std::string("res-") + lang;
      r.bsn = "999990019";
      r.naam_latijns = "Test Resident";
      signing::SigningSession s;
      s.text_nl = text(fx->registry, "nl");
      s.text_own = text(fx->registry, lang);
      s.canonical_sha256 = record::sha256_hex(signing::canonical_shown_text(s.text_nl, &*s.text_own));
      signing::Ink ink(signing::PadRect{200, 200, 1380, 520});
      std::uint32_t t = 1000;
      ink.add(signing::InkSample{signing::InkSample::Kind::Down, 300, 450, 1, t, 7});
      for (int i = 1; i < 300; ++i)
        ink.add(signing::InkSample{signing::InkSample::Kind::Move, 300 + i * 3.0f,
                                   450 + ((i / 10) % 2 ? 1 : -1) * ((i % 10) * 15.0f), 1, t += 16, 7});
      ink.add(signing::InkSample{signing::InkSample::Kind::Up, 1200, 450, 1, t + 16, 7});
      s.ink = ink;
      s.screen_w = 1920;
      s.screen_h = 1080;
      s.host_id = "host-1";
      signing::EvidenceContext c;
      c.resident = &r;
      c.kiosk_id = "kiosk-1";
      c.location_id = "AZC-TER-APEL";
      c.confirmed_unix_ms = 1772443800123;
      c.local_date = "2026-03-02";
      c.gemeentecode = "GM0363";
      const std::string id = signing::new_record_id();
      signing::EvidenceParts parts;
      std::string err;
      if (!signing::build_pvt_evidence(s, c, id, &parts, &err)) throw std::runtime_error(err);
      record::RecordInput in{id, record::kPvtRecordKind, "GM0363", "kiosk-1", 1772443800, parts.public_json,
                             parts.sensitive_json};
      auto sealed = record::seal_record(in, device, fx->box.public_key, head);
      if (!sealed) throw std::runtime_error(sealed.error().message);
      head = sealed->next;
      record::EvidencePackageInput p;
      p.envelope_json = sealed->envelope;
      p.device_id = "kiosk-1";
      p.device_ed25519_pk_hex = record::to_hex(device.public_key.data(), 32);
      p.device_locatiecode = "AZC-TER-APEL";
      p.municipality_ack_pk_hex = record::to_hex(muni.public_key.data(), 32);
      p.sensitive_json = parts.sensitive_json;
      p.ack_json = record::make_ack_json({id, "GM0363", sealed->package_sha256, "stored", "2026-03-02T09:31:00Z", {}}, muni);
      p.received_at = p.exported_at = "2026-03-02T09:31:00Z";
      fx->package[lang] = record::make_evidence_package(p);
    }
    return fx;
  }();
  return *f;
}

void BM_DocumentPerDeclaration(benchmark::State& st, const char* lang) {
  auto& fx = fixture();
  record::EvidenceVerifyOptions vo;
  vo.registry = &fx.registry;
  vo.box = &fx.box;
  std::size_t bytes = 0;
  for (auto _ : st) {
    auto rep = record::verify_evidence_package(fx.package[lang], vo);
    if (rep.exit != record::EvidenceExit::ok) st.SkipWithError("package does not verify");
    auto d = document::declaration_from_report(rep, fx.package[lang], {}, "2026-03-02T09:31:00Z");
    auto pdf = document::render_declaration(d, fx.package[lang], document::default_icc_path());
    if (!pdf) st.SkipWithError(pdf.error().message.c_str());
    bytes = pdf ? pdf->size() : 0;
    benchmark::DoNotOptimize(bytes);
  }
  st.counters["pdf_bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(BM_DocumentPerDeclaration, arabic, "ar")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DocumentPerDeclaration, tigrinya, "ti")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DocumentPerDeclaration, farsi, "fa")->Unit(benchmark::kMillisecond);

void BM_VerifyPdf(benchmark::State& st) {
  auto& fx = fixture();
  record::EvidenceVerifyOptions vo;
  vo.registry = &fx.registry;
  vo.box = &fx.box;
  auto rep = record::verify_evidence_package(fx.package["ar"], vo);
  auto pdf = document::render_declaration(document::declaration_from_report(rep, fx.package["ar"], {}, "2026-03-02T09:31:00Z"),
                                          fx.package["ar"], document::default_icc_path());
  for (auto _ : st) {
    auto pkg = document::extract_evidence_package(*pdf);
    auto r = record::verify_evidence_package(*pkg, vo);
    benchmark::DoNotOptimize(r.exit);
  }
}
BENCHMARK(BM_VerifyPdf)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
