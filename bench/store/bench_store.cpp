// Benchmarks of the record store (bench/store/): open time with the raw key, p50/p99 latency of a
// durable signature commit through Store::commit_sealed (seal, sign, chain; WAL + synchronous=FULL, so one fsync per commit), dossier load for a
// resident with a full history, and the database size for 500 residents. The database lives in
// $TMPDIR (default /tmp): run it on the disk the kiosk uses for meaningful fsync figures.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "balie/record/envelope.h"
#include "balie/store/store.h"

namespace {

using namespace balie::store;
namespace platform = balie::platform;
namespace record = balie::record;
namespace fs = std::filesystem;

struct Fixture {
  fs::path dir;
  fs::path db;
  std::array<std::uint8_t, 32> key{};
  std::int64_t size_500 = 0;

  platform::DeviceSigningKey device = platform::Ed25519KeyPair::generate();
  Fixture() {
    if (sodium_init() < 0) std::abort();
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/balie-bench-XXXXXX";
    dir = ::mkdtemp(tmpl.data());
    db = dir / "balie.db";
    randombytes_buf(key.data(), key.size());
    auto s = std::move(Store::open(db, key).value());
    (void)s->put_text_version(TextVersion{"pvt-1-nl", "pvt_declaration", "nl", "PVT", "Tekst", ""});
    Route route;
    route.gemeentecode = "GM0363";
    route.endpoint_base_url = "https://gm0363.invalid";
    route.box_public_key = record::BoxKey::generate().public_key;
    (void)s->put_route(route);
    DossierBatch batch;
    for (int i = 0; i < 500; ++i) batch.upserts.push_back(resident(i, i == 0 ? 40 : 4));
    if (!s->apply_dossier_batch("azc", batch, "c1").ok()) std::abort();
    // The "full history" resident: also 30 records, half acknowledged.
    for (int i = 0; i < 30; ++i) {
      auto c = s->commit_sealed(draft("r0000", 2048), device);
      if (!c.ok()) std::abort();
      if (i % 2 == 0) (void)s->store_acknowledgement(c.value().record_id, std::vector<std::uint8_t>(200, 1), c.value().created_at);
    }
    (void)s->checkpoint();
    size_500 = static_cast<std::int64_t>(fs::file_size(db));
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  static ResidentDossier resident(int i, int history) {
    char id[16];
    std::snprintf(id, sizeof id, "r%04d", i);
    ResidentDossier rd;
    Resident& r = rd.resident;
    r.id = id;
    r.v_nummer = std::to_string(9000000000LL + i);
    r.bsn = std::to_string(900000000 + i);
    r.gemeente_client_id = "K-" + std::to_string(i);
    r.naam_eigen_schrift = "محمد عبد الله " + std::to_string(i);
    r.naam_latijns = "Mohammed Abdullah " + std::to_string(i);
    r.geboortedatum = "1990-01-01";
    r.voorkeurstaal = "ar";
    r.location_id = "azc";
    r.kamer = "B-" + std::to_string(i);
    r.gemeentecode = "GM0363";
    r.gekoppeld_sinds = "2025-01-01";
    r.doelgroep = DoelgroepIndeling::Asielstatushouder;
    r.regime = Regime::Wi2021;
    Dossier& d = rd.dossier;
    Provenance duo{Bron::DUO, "2026-12-31"};
    d.inburgeringsplicht = Inburgeringsplicht{true, "2025-01-01", "", "2025-01-01", {}, duo};
    d.inburgeringstermijn = Inburgeringstermijn{"2025-03-01", "2028-09-01", {}, duo};
    for (int v = 0; v < history / 10; ++v) d.inburgeringstermijn->verlengingen.push_back({"2027-01-01", "2028-09-01", "ZIEK", "Verlenging wegens ziekte"});
    d.pip = Pip{"2025-03-01", Leerroute::B, NiveauPip::B1, 600, Alfabetisering::NVT, true, {Bron::Gemeente, "2026-12-31"}};
    d.leerbaarheidstoets = Leerbaarheidstoets{LbtResultaat::B1Haalbaar, "70", "60", "2025-02-01", duo};
    d.gevolgde_uren = GevolgdeUren{120, 20, 10, duo};
    d.map_pvt_zroute = MapPvtZroute{"2026-01-01", JaNee::Nee, "", {}, "", duo};
    d.contactpersoon = Contactpersoon{"Team Inburgering", "team@example.invalid", "+31 20 000 0000", {Bron::Gemeente, "2026-12-31"}};
    d.financieel_ontzorgen = FinancieelOntzorgen{"2025-01-01", "2025-07-01", {Bron::Gemeente, "2026-12-31"}};
    for (int e = 0; e < history; ++e) {
      d.examens.push_back(Examen{"2026-0" + std::to_string(1 + e % 9) + "-10", ExamenOnderdeel::LU, ExamenNiveau::B1,
                                 e % 3 == 0 ? Coded<ExamenResultaat>(ExamenResultaat::Geslaagd) : Coded<ExamenResultaat>(ExamenResultaat::Gezakt), {}, duo});
      d.afspraken.push_back(Afspraak{"a" + std::to_string(e), "2026-05-01T10:00", AfspraakSoort::Voortgang,
                                     "Voortgangsgesprek met de klantmanager", "Stadsloket", {Bron::Gemeente, "2026-12-31"}});
    }
    for (int h = 0; h < history / 4; ++h) d.handhaving.push_back(Handhaving{HandhavingSoort::Waarschuwing, "2026-02-01", "Waarschuwing", std::nullopt, {Bron::Gemeente, "2026-12-31"}});
    d.gratis_pogingen = {GratisPogingen{ExamenOnderdeel::LU, 2, duo}, GratisPogingen{ExamenOnderdeel::SP, 3, duo}};
    return rd;
  }

  static RecordDraft draft(const std::string& resident_id, std::size_t bytes) {
    RecordDraft d;
    d.kind = "pvt_declaration";
    d.resident_id = resident_id;
    d.text_version_id = "pvt-1-nl";
    d.decision = "signed";
    d.device_id = "kiosk-bench-01";
    std::vector<std::uint8_t> sig(bytes / 2);
    randombytes_buf(sig.data(), sig.size());
    d.sensitive = "{\"handtekening\":\"" + record::to_hex(sig) + "\"}";  // a signature image's worth
    return d;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_OpenWithRawKey(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) {
    auto s = Store::open(f.db, f.key);
    if (!s.ok()) state.SkipWithError(s.error().message.c_str());
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_OpenWithRawKey)->Unit(benchmark::kMillisecond);

void BM_DurableSignatureCommit(benchmark::State& state) {
  auto& f = fixture();
  auto s = std::move(Store::open(f.db, f.key).value());
  auto d = Fixture::draft("r0001", 4096);  // sealed, signed and chained inside the commit
  std::vector<double> us;
  us.reserve(10000);
  for (auto _ : state) {
    d.record_id.clear();
    auto t0 = std::chrono::steady_clock::now();
    auto c = s->commit_sealed(d, f.device);
    auto t1 = std::chrono::steady_clock::now();
    if (!c.ok()) state.SkipWithError(c.error().message.c_str());
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["p50_ms"] = us[us.size() / 2] / 1000.0;
    state.counters["p99_ms"] = us[std::min(us.size() - 1, us.size() * 99 / 100)] / 1000.0;
    state.counters["max_ms"] = us.back() / 1000.0;
  }
}
BENCHMARK(BM_DurableSignatureCommit)->Unit(benchmark::kMillisecond)->Iterations(1000);

void BM_DossierLoadFullHistory(benchmark::State& state) {
  auto& f = fixture();
  auto s = std::move(Store::open(f.db, f.key).value());
  std::size_t items = 0;
  for (auto _ : state) {
    auto v = s->load_dossier("r0000");
    if (!v.ok()) state.SkipWithError(v.error().message.c_str());
    items = v.value().dossier.examens.size() + v.value().dossier.afspraken.size() + v.value().records.size();
    benchmark::DoNotOptimize(v);
  }
  state.counters["items"] = static_cast<double>(items);
}
BENCHMARK(BM_DossierLoadFullHistory)->Unit(benchmark::kMicrosecond);

void BM_SearchByName(benchmark::State& state) {
  auto& f = fixture();
  auto s = std::move(Store::open(f.db, f.key).value());
  for (auto _ : state) {
    auto r = s->search_residents("abdullah 42");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SearchByName)->Unit(benchmark::kMicrosecond);

void BM_DatabaseSize500Residents(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(f.size_500);
  state.counters["bytes"] = static_cast<double>(f.size_500);
  state.counters["KiB"] = static_cast<double>(f.size_500) / 1024.0;
}
BENCHMARK(BM_DatabaseSize500Residents)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
