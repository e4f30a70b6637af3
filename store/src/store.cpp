// Record store, part 1 (store/ layer): opening and keying the SQLCipher file, the connection
// settings that make commits durable, status and integrity checks, residents and their dossiers,
// the dossier feed, routing / sync state / device configuration / texts, and the AVG export.
// Part 2 (records.cpp): records + outbox, staff PINs, audit chain, purge.
//
// [SECTION] Open   [SECTION] Status   [SECTION] Residents   [SECTION] Configuration   [SECTION] Export
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "balie/platform/key_provider.h"
#include "balie/record/utf8.h"
#include "balie/store/json.h"
#include "balie/store/store.h"
#include "consent_impl.h"
#include "json_codec.h"
#include "schema.h"
#include "store_impl.h"
#include "util.h"

namespace balie::store {

using detail::Stmt;
using detail::Transaction;

static_assert(Store::kSchemaVersion == detail::kLatestSchema, "bump both schema version constants");

Status Store::Impl::write_tx(std::string_view what, const std::function<Status()>& body) {
  Transaction tx(db, Transaction::Kind::Immediate);
  if (tx.begin_rc() != SQLITE_OK) return err(tx.begin_rc(), what);
  if (Status s = body(); !s.ok()) return s;
  if (int rc = tx.commit(); rc != SQLITE_OK) return err(rc, what);
  return {};
}

Status Store::Impl::run(Stmt& st, std::string_view what) {
  if (!st.ok()) return err(st.prepare_rc(), what);
  int rc = st.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return err(rc, what);
  return {};
}

// [SECTION] Open ---------------------------------------------------------------------------------

namespace {

bool dir_is_read_only(const std::filesystem::path& dir) {
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0) return true;
  return ::access(dir.c_str(), W_OK) != 0 && errno == EROFS;
}

// Builds "PRAGMA key = \"x'<hex>'\";" in a wiped buffer.
balie::platform::SecretBuffer key_pragma(std::span<const std::uint8_t> key) {
  static const char prefix[] = "PRAGMA key = \"x'";
  static const char suffix[] = "'\";";
  const std::size_t len = sizeof(prefix) - 1 + key.size() * 2 + sizeof(suffix) - 1;
  balie::platform::SecretBuffer buf(len + 1);
  char* p = reinterpret_cast<char*>(buf.data());
  std::memcpy(p, prefix, sizeof(prefix) - 1);
  p += sizeof(prefix) - 1;
  static const char* digits = "0123456789abcdef";
  for (auto b : key) {
    *p++ = digits[b >> 4];
    *p++ = digits[b & 15];
  }
  std::memcpy(p, suffix, sizeof(suffix) - 1);
  p += sizeof(suffix) - 1;
  *p = '\0';
  return buf;
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path, std::span<const std::uint8_t> key,
                                           const OpenOptions& options) {
  namespace fs = std::filesystem;
  if (key.size() != balie::platform::KeyProvider::kDbKeyBytes) {
    return StoreError{StoreErrc::InvalidArgument, "the database key must be exactly 32 bytes"};
  }
  if (path.empty()) return StoreError{StoreErrc::InvalidArgument, "no database path given"};
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return StoreError{StoreErrc::MissingDirectory,
                      "the state directory " + dir.string() + " does not exist; the database cannot be opened"};
  }
  const bool existed = fs::exists(path, ec);
  std::uintmax_t size = existed ? fs::file_size(path, ec) : 0;
  if (!existed && !options.create_if_missing) {
    return StoreError{StoreErrc::NotFound, "no database at " + path.string()};
  }
  if (existed && size > 0) {
    char header[16] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(header, sizeof header);
    if (in.gcount() == 16 && std::memcmp(header, "SQLite format 3", 16) == 0) {
      return StoreError{StoreErrc::NotADatabase, path.string() +
                                                     " is an unencrypted SQLite file; Balie never opens plaintext "
                                                     "databases"};
    }
    if (size % 1024 != 0) {
      return StoreError{StoreErrc::NotADatabase, path.string() + " is not a Balie database (size " +
                                                     std::to_string(size) + " is not a whole number of pages)"};
    }
  }
  if (!options.read_only && dir_is_read_only(dir)) {
    return StoreError{StoreErrc::ReadOnly, "the file system holding " + dir.string() +
                                               " is read-only; records cannot be saved"};
  }
  if (!options.read_only && existed && ::access(path.c_str(), W_OK) != 0) {
    return StoreError{StoreErrc::ReadOnly, "the database file " + path.string() + " is not writable"};
  }

  if (!existed && !options.read_only) {
    // Create the file ourselves with mode 0600 (SQLite would use 0644); the WAL and shm files
    // inherit the main file's permissions.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      int e = errno;
      if (e == EROFS || e == EACCES) {
        return StoreError{StoreErrc::ReadOnly, "cannot create " + path.string() + ": " + std::strerror(e)};
      }
      if (e == ENOSPC || e == EDQUOT) return StoreError{StoreErrc::DiskFull, "cannot create " + path.string() + ": disk full"};
      return StoreError{StoreErrc::Io, "cannot create " + path.string() + ": " + std::strerror(e)};
    }
    if (fd >= 0) ::close(fd);
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
  int flags = options.read_only ? SQLITE_OPEN_READONLY
                                : (SQLITE_OPEN_READWRITE | (options.create_if_missing ? SQLITE_OPEN_CREATE : 0));
  flags |= SQLITE_OPEN_NOMUTEX;  // one Store = one thread at a time
  int rc = sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr);
  if (rc != SQLITE_OK) return impl->err(rc, "opening the database");
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);

  {
    // The key must be the first statement on the connection. Raw key: no PBKDF2 at start-up.
    auto pragma = key_pragma(key);
    rc = sqlite3_exec(impl->db, reinterpret_cast<const char*>(pragma.data()), nullptr, nullptr, nullptr);
    pragma.wipe();
    if (rc != SQLITE_OK) return impl->err(rc, "setting the database key");
  }
  // A wrong key only shows on the first page read.
  {
    Stmt probe(impl->db, "SELECT count(*) FROM sqlite_master");
    rc = probe.ok() ? probe.step() : probe.prepare_rc();
    if (rc != SQLITE_ROW) {
      if ((rc & 0xff) == SQLITE_NOTADB) {
        return StoreError{StoreErrc::WrongKey, "the database key does not open " + path.string() +
                                                   " (wrong key, or the file's first page is damaged); "
                                                   "nothing was changed"};
      }
      return impl->err(rc, "reading the database schema");
    }
  }
  if (!options.read_only && sqlite3_db_readonly(impl->db, "main") == 1) {
    return StoreError{StoreErrc::ReadOnly, "the database " + path.string() + " could only be opened read-only"};
  }

  int version = 0;
  if (rc = detail::read_schema_version(impl->db, &version); rc != SQLITE_OK) {
    return impl->err(rc, "reading the schema version");
  }
  if (version > kSchemaVersion) {
    return StoreError{StoreErrc::NewerSchema,
                      "the database has schema version " + std::to_string(version) + ", newer than this Balie (" +
                          std::to_string(kSchemaVersion) + "); install the newer Balie or restore a backup"};
  }

  // Connection settings. journal_mode comes after the key (the WAL is encrypted like the pages).
  if (!options.read_only) {
    Stmt wal(impl->db, "PRAGMA journal_mode = WAL");
    rc = wal.ok() ? wal.step() : wal.prepare_rc();
    if (rc != SQLITE_ROW) return impl->err(rc, "switching the database to WAL mode");
    if (wal.text(0) != "wal") {
      return StoreError{StoreErrc::Io, "the database refused WAL mode (got '" + wal.text(0) + "')"};
    }
  }
  const char* settings =
      "PRAGMA synchronous = FULL;"     // WAL + FULL: every commit that returned survives power loss
      "PRAGMA foreign_keys = ON;"
      "PRAGMA secure_delete = ON;"     // freed pages are zeroed (before encryption)
      "PRAGMA temp_store = MEMORY;"    // sort spills and temp tables never reach /tmp
      "PRAGMA journal_size_limit = 4194304;";
  if (rc = detail::exec(impl->db, settings); rc != SQLITE_OK) return impl->err(rc, "configuring the database");

  if (!options.read_only) {
    int target = options.migrate_to_version > 0 ? std::min(options.migrate_to_version, kSchemaVersion) : kSchemaVersion;
    Impl* raw = impl.get();
    Status s = detail::migrate(impl->db, target, [raw](int v) -> Status {
      return raw->audit_in_tx("system", "schema.migrate", "version=" + std::to_string(v));
    });
    if (!s.ok()) return s.error();
    if (rc = detail::read_schema_version(impl->db, &version); rc != SQLITE_OK) {
      return impl->err(rc, "reading the schema version");
    }
  }
  impl->schema_version = version;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

const std::filesystem::path& Store::path() const { return impl_->path; }
int Store::schema_version() const { return impl_->schema_version; }

// [SECTION] Status ---------------------------------------------------------------------------------

namespace {
std::int64_t count_rows(sqlite3* db, const char* sql, int* rc_out) {
  Stmt st(db, sql);
  int rc = st.ok() ? st.step() : st.prepare_rc();
  if (rc != SQLITE_ROW) {
    *rc_out = rc;
    return 0;
  }
  return st.int64(0);
}
}  // namespace

Result<StoreStatus> Store::status() {
  StoreStatus s;
  s.schema_version = impl_->schema_version;
  s.sqlite_version = sqlite3_libversion();
  {
    Stmt v(impl_->db, "PRAGMA cipher_version");
    if (v.ok() && v.step() == SQLITE_ROW) s.sqlcipher_version = v.text(0);
  }
  Transaction tx(impl_->db, Transaction::Kind::Deferred);
  int rc = SQLITE_OK;
  s.residents = count_rows(impl_->db, "SELECT count(*) FROM residents", &rc);
  s.records = count_rows(impl_->db, "SELECT count(*) FROM records", &rc);
  s.tombstones = count_rows(impl_->db, "SELECT count(*) FROM tombstones", &rc);
  s.audit_entries = count_rows(impl_->db, "SELECT count(*) FROM audit_log", &rc);
  if (rc != SQLITE_OK) return impl_->err(rc, "reading the store status");
  auto counts = outbox_counts();
  if (!counts.ok()) return counts.error();
  s.outbox = std::move(counts.value());
  std::error_code ec;
  s.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(impl_->path, ec));
  auto wal = impl_->path;
  wal += "-wal";
  auto wal_size = std::filesystem::file_size(wal, ec);
  s.wal_bytes = ec ? 0 : static_cast<std::int64_t>(wal_size);
  return s;
}

Result<std::vector<std::string>> Store::integrity_check() {
  Stmt st(impl_->db, "PRAGMA integrity_check(100)");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "running the integrity check");
  std::vector<std::string> problems;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    std::string line = st.text(0);
    if (line != "ok") problems.push_back(line);
  }
  if (rc != SQLITE_DONE) {
    auto e = impl_->err(rc, "running the integrity check");
    // SQLCipher 3 reports a page whose HMAC fails as a generic SQLITE_ERROR: during an integrity
    // check that means damage, not a programming error.
    if ((rc & 0xff) == SQLITE_ERROR || (rc & 0xff) == SQLITE_IOERR) {
      e.code = StoreErrc::Corrupt;
      e.message = "the database file is damaged: a page cannot be decrypted or verified (" + e.message + ")";
    }
    return e;
  }
  Stmt fk(impl_->db, "PRAGMA foreign_key_check");
  if (fk.ok()) {
    while (fk.step() == SQLITE_ROW) problems.push_back("foreign key violation in table " + fk.text(0));
  }
  return problems;
}

Status Store::checkpoint() {
  int busy = 0, log = 0, done = 0;
  int rc = sqlite3_wal_checkpoint_v2(impl_->db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  (void)busy;
  if (rc != SQLITE_OK) return impl_->err(rc, "checkpointing the WAL");
  impl_->erase_pending = false;
  return {};
}

// [SECTION] Residents ------------------------------------------------------------------------------

namespace {

constexpr const char* kResidentCols =
    "id, v_nummer, bsn, gemeente_client_id, naam_eigen_schrift, naam_latijns, geboortedatum, voorkeurstaal, "
    "location_id, kamer, gemeentecode, gekoppeld_sinds, eerdere_koppelingen, doelgroep, regime, bidi_stripped";

std::vector<std::string> split_fields(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t b = 0; b < s.size();) {
    std::size_t e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    if (e > b) out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

std::string join_fields(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& f : v) out += (out.empty() ? "" : ",") + f;
  return out;
}

void add_field(std::vector<std::string>& v, const std::string& f) {
  if (std::find(v.begin(), v.end(), f) == v.end()) v.push_back(f);
}

// Issue 18: names and other free text are data, not formatting. Removes bidi embeddings, overrides
// and isolates from the resident's text fields and notes each field that had them.
void strip_resident_text(Resident& r, std::vector<std::string>& fields) {
  for (auto [name, v] : {std::pair<const char*, std::string*>{"naam_latijns", &r.naam_latijns},
                         {"naam_eigen_schrift", &r.naam_eigen_schrift}, {"kamer", &r.kamer},
                         {"v_nummer", &r.v_nummer}, {"bsn", &r.bsn}, {"gemeente_client_id", &r.gemeente_client_id},
                         {"voorkeurstaal", &r.voorkeurstaal}})
    if (record::strip_bidi_formatting(*v)) add_field(fields, name);
}

// The same for every string in a dossier item's JSON body; `path` names the field
// ("dossier.contactpersoon.naam"; array elements share their array's name).
void strip_json_text(json& j, const std::string& path, std::vector<std::string>& fields) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    if (record::strip_bidi_formatting(s)) {
      j = std::move(s);
      add_field(fields, path);
    }
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) strip_json_text(it.value(), path + "." + it.key(), fields);
  } else if (j.is_array()) {
    for (auto& v : j) strip_json_text(v, path, fields);
  }
}

Resident read_resident(const Stmt& st) {
  Resident r;
  r.id = st.text(0);
  r.v_nummer = st.text(1);
  r.bsn = st.text(2);
  r.gemeente_client_id = st.text(3);
  r.naam_eigen_schrift = st.text(4);
  r.naam_latijns = st.text(5);
  r.geboortedatum = st.text(6);
  r.voorkeurstaal = st.text(7);
  r.location_id = st.text(8);
  r.kamer = st.text(9);
  r.gemeentecode = st.text(10);
  r.gekoppeld_sinds = st.text(11);
  try {
    auto k = parse_store_json(st.text(12), kMaxResidentDossierJsonBytes, "eerdere_koppelingen", StoreErrc::Corrupt);
    if (k.ok()) r.eerdere_koppelingen = k.value().get<std::vector<GemeenteKoppeling>>();
  } catch (const std::exception&) {
    r.eerdere_koppelingen.clear();
  }
  r.doelgroep = Coded<DoelgroepIndeling>::parse(st.text(13));
  r.regime = Coded<Regime>::parse(st.text(14));
  r.bidi_stripped = split_fields(st.text(15));
  return r;
}

std::string search_key(const Resident& r) {
  using detail::fold_for_search;
  return fold_for_search(r.naam_eigen_schrift) + "\n" + fold_for_search(r.naam_latijns) + "\n" +
         fold_for_search(r.v_nummer) + "\n" + fold_for_search(r.kamer);
}

struct Item {
  const char* kind;
  int seq;
  json body;
  const Provenance* herkomst;
};

template <class T>
void add_one(std::vector<Item>& out, const char* kind, const std::optional<T>& v) {
  if (v) out.push_back({kind, 0, json(*v), &v->herkomst});
}
template <class T>
void add_all(std::vector<Item>& out, const char* kind, const std::vector<T>& v) {
  for (std::size_t i = 0; i < v.size(); ++i) out.push_back({kind, static_cast<int>(i), json(v[i]), &v[i].herkomst});
}

std::vector<Item> dossier_items(const Dossier& d) {
  std::vector<Item> out;
  add_one(out, "inburgeringsplicht", d.inburgeringsplicht);
  add_one(out, "inburgeringstermijn", d.inburgeringstermijn);
  add_one(out, "brede_intake", d.brede_intake);
  add_one(out, "leerbaarheidstoets", d.leerbaarheidstoets);
  add_one(out, "pip", d.pip);
  add_one(out, "inburgeringsaanbod", d.inburgeringsaanbod);
  add_one(out, "gevolgde_uren", d.gevolgde_uren);
  add_one(out, "map_pvt_zroute", d.map_pvt_zroute);
  add_all(out, "examen", d.examens);
  add_all(out, "gratis_pogingen", d.gratis_pogingen);
  add_all(out, "vrijstelling", d.vrijstellingen);
  add_all(out, "ontheffing", d.ontheffingen);
  add_all(out, "handhaving", d.handhaving);
  add_one(out, "contactpersoon", d.contactpersoon);
  add_one(out, "maatschappelijke_begeleiding", d.maatschappelijke_begeleiding);
  add_one(out, "financieel_ontzorgen", d.financieel_ontzorgen);
  add_all(out, "afspraak", d.afspraken);
  return out;
}

// Puts one stored item back into the dossier. Unknown kinds (cannot happen below NewerSchema) are ignored.
void apply_item(Dossier& d, const std::string& kind, const json& j) {
  if (kind == "inburgeringsplicht") d.inburgeringsplicht = j.get<Inburgeringsplicht>();
  else if (kind == "inburgeringstermijn") d.inburgeringstermijn = j.get<Inburgeringstermijn>();
  else if (kind == "brede_intake") d.brede_intake = j.get<BredeIntake>();
  else if (kind == "leerbaarheidstoets") d.leerbaarheidstoets = j.get<Leerbaarheidstoets>();
  else if (kind == "pip") d.pip = j.get<Pip>();
  else if (kind == "inburgeringsaanbod") d.inburgeringsaanbod = j.get<Inburgeringsaanbod>();
  else if (kind == "gevolgde_uren") d.gevolgde_uren = j.get<GevolgdeUren>();
  else if (kind == "map_pvt_zroute") d.map_pvt_zroute = j.get<MapPvtZroute>();
  else if (kind == "examen") d.examens.push_back(j.get<Examen>());
  else if (kind == "gratis_pogingen") d.gratis_pogingen.push_back(j.get<GratisPogingen>());
  else if (kind == "vrijstelling") d.vrijstellingen.push_back(j.get<Vrijstelling>());
  else if (kind == "ontheffing") d.ontheffingen.push_back(j.get<Ontheffing>());
  else if (kind == "handhaving") d.handhaving.push_back(j.get<Handhaving>());
  else if (kind == "contactpersoon") d.contactpersoon = j.get<Contactpersoon>();
  else if (kind == "maatschappelijke_begeleiding") d.maatschappelijke_begeleiding = j.get<MaatschappelijkeBegeleiding>();
  else if (kind == "financieel_ontzorgen") d.financieel_ontzorgen = j.get<FinancieelOntzorgen>();
  else if (kind == "afspraak") d.afspraken.push_back(j.get<Afspraak>());
}

bool valid_gemeentecode_text(std::string_view g) {
  if (g.size() != 6 || g[0] != 'G' || g[1] != 'M') return false;
  for (std::size_t i = 2; i < 6; ++i)
    if (g[i] < '0' || g[i] > '9') return false;
  return true;
}

Status validate_resident(const Resident& r) {
  if (r.id.empty() || r.id.size() > 128) return StoreError{StoreErrc::InvalidArgument, "a resident needs an id of 1-128 bytes"};
  if (!r.gemeentecode.empty()) {
    const auto& g = r.gemeentecode;
    bool ok = g.size() == 6 && g[0] == 'G' && g[1] == 'M';
    for (std::size_t i = 2; ok && i < 6; ++i) ok = g[i] >= '0' && g[i] <= '9';
    if (!ok) return StoreError{StoreErrc::InvalidArgument, "gemeentecode must look like GM0363"};
  }
  return {};
}

}  // namespace

Status Store::Impl::write_resident_row_in_tx(const Resident& in, const std::vector<std::string>& stripped_elsewhere) {
  if (Status s = validate_resident(in); !s.ok()) return s;
  const char* what = "saving a resident";
  // Every resident row (COA's feed, the municipalities' feed, the demo, admin) is written here, so
  // this is where bidi formatting leaves names and free text. Each field it left is audited (id and
  // field, never the value) and kept in bidi_stripped, which only grows: staff see the note.
  Resident r = in;
  std::vector<std::string> stripped = stripped_elsewhere;
  strip_resident_text(r, stripped);
  {
    Stmt prev(db, "SELECT bidi_stripped FROM residents WHERE id = ?1");
    if (!prev.ok()) return err(prev.prepare_rc(), what);
    prev.bind(1, r.id);
    const int rc = prev.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err(rc, what);
    for (const auto& f : rc == SQLITE_ROW ? split_fields(prev.text(0)) : std::vector<std::string>{}) add_field(r.bidi_stripped, f);
  }
  for (const auto& f : stripped) {
    add_field(r.bidi_stripped, f);
    if (Status s = audit_in_tx("system", "resident.bidi_stripped", "resident=" + r.id.substr(0, 128) + " field=" + f); !s.ok())
      return s;
  }
  const std::string flags = join_fields(r.bidi_stripped);
  std::string koppelingen = json(r.eerdere_koppelingen).dump();
  auto bind_all = [&](Stmt& st) {
    st.bind(1, r.id).bind(2, r.v_nummer).bind(3, r.bsn).bind(4, r.gemeente_client_id).bind(5, r.naam_eigen_schrift);
    st.bind(6, r.naam_latijns).bind(7, r.geboortedatum).bind(8, r.voorkeurstaal).bind(9, r.location_id);
    st.bind(10, r.kamer).bind(11, r.gemeentecode).bind(12, r.gekoppeld_sinds).bind(13, koppelingen);
    st.bind(14, r.doelgroep.raw).bind(15, r.regime.raw).bind(16, search_key(r)).bind(17, flags);
  };
  // No UPSERT in SQLite 3.15: UPDATE first, INSERT when nothing was there. (INSERT OR REPLACE would
  // delete the row and cascade into dossier_items.)
  Stmt upd(db,
           "UPDATE residents SET v_nummer=?2, bsn=?3, gemeente_client_id=?4, naam_eigen_schrift=?5, naam_latijns=?6, "
           "geboortedatum=?7, voorkeurstaal=?8, location_id=?9, kamer=?10, gemeentecode=?11, gekoppeld_sinds=?12, "
           "eerdere_koppelingen=?13, doelgroep=?14, regime=?15, search_key=?16, bidi_stripped=?17 WHERE id=?1");
  if (!upd.ok()) return err(upd.prepare_rc(), what);
  bind_all(upd);
  if (Status s = run(upd, what); !s.ok()) return s;
  if (sqlite3_changes(db) == 0) {
    Stmt ins(db, std::string("INSERT INTO residents(") + kResidentCols +
                     ", search_key) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?17,?16)");
    if (!ins.ok()) return err(ins.prepare_rc(), what);
    bind_all(ins);
    if (Status s = run(ins, what); !s.ok()) return s;
  }
  return {};
}

Status Store::Impl::upsert_resident_in_tx(const ResidentDossier& rd) {
  const Resident& r = rd.resident;
  std::vector<Item> items = dossier_items(rd.dossier);
  std::vector<std::string> stripped;
  for (auto& item : items) strip_json_text(item.body, std::string("dossier.") + item.kind, stripped);
  if (Status s = write_resident_row_in_tx(r, stripped); !s.ok()) return s;
  const char* what = "saving a resident";
  Stmt del(db, "DELETE FROM dossier_items WHERE resident_id = ?1");
  del.bind(1, r.id);
  if (Status s = run(del, what); !s.ok()) return s;
  Stmt ins(db,
           "INSERT INTO dossier_items(resident_id, kind, seq, bron, bekend_tot, body) VALUES (?1,?2,?3,?4,?5,?6)");
  if (!ins.ok()) return err(ins.prepare_rc(), what);
  for (const auto& item : items) {
    ins.bind(1, r.id).bind(2, item.kind).bind(3, item.seq).bind(4, item.herkomst->bron.raw);
    ins.bind(5, item.herkomst->bekend_tot).bind(6, item.body.dump());
    if (Status s = run(ins, what); !s.ok()) return s;
    ins.reset();
  }
  return {};
}

Status Store::upsert_resident(const ResidentDossier& rd) {
  return impl_->write_tx("saving a resident", [&] { return impl_->upsert_resident_in_tx(rd); });
}

Result<std::vector<Resident>> Store::list_residents(std::string_view location_id) {
  std::string sql = std::string("SELECT ") + kResidentCols + " FROM residents" +
                    (location_id.empty() ? "" : " WHERE location_id = ?1") + " ORDER BY naam_latijns, id";
  Stmt st(impl_->db, sql);
  if (!st.ok()) return impl_->err(st.prepare_rc(), "listing residents");
  if (!location_id.empty()) st.bind(1, location_id);
  std::vector<Resident> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_resident(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "listing residents");
  return out;
}

Result<std::vector<Resident>> Store::search_residents(std::string_view query, std::size_t limit) {
  if (query.size() > 256) query = query.substr(0, 256);
  std::string folded = detail::fold_for_search(query);
  // Trim spaces and drop newlines (the field separator of search_key).
  std::erase(folded, '\n');
  while (!folded.empty() && folded.front() == ' ') folded.erase(folded.begin());
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  std::vector<Resident> out;
  if (folded.empty() || limit == 0) return out;
  Stmt st(impl_->db, std::string("SELECT ") + kResidentCols +
                         " FROM residents WHERE instr(search_key, ?1) > 0 ORDER BY naam_latijns, id LIMIT ?2");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "searching residents");
  st.bind(1, folded).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1000)));
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_resident(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "searching residents");
  return out;
}

Result<std::vector<IdentityConflict>> Store::identity_conflicts() {
  Stmt st(impl_->db,
          "SELECT 'v_nummer', v_nummer, group_concat(id, char(10)) FROM (SELECT v_nummer, id FROM residents "
          " WHERE v_nummer != '' ORDER BY id) GROUP BY v_nummer HAVING count(*) > 1 "
          "UNION ALL "
          "SELECT 'bsn', bsn, group_concat(id, char(10)) FROM (SELECT bsn, id FROM residents "
          " WHERE bsn != '' ORDER BY id) GROUP BY bsn HAVING count(*) > 1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "finding identity conflicts");
  std::vector<IdentityConflict> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    IdentityConflict c;
    c.key_kind = st.text(0);
    std::string ids = st.text(2);
    for (std::size_t pos = 0; pos <= ids.size();) {
      auto nl = ids.find('\n', pos);
      if (nl == std::string::npos) nl = ids.size();
      if (nl > pos) c.resident_ids.push_back(ids.substr(pos, nl - pos));
      pos = nl + 1;
    }
    std::sort(c.resident_ids.begin(), c.resident_ids.end());
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "finding identity conflicts");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.resident_ids < b.resident_ids; });
  return out;
}

Result<std::optional<Resident>> Store::resident(std::string_view resident_id) {
  Stmt st(impl_->db, std::string("SELECT ") + kResidentCols + " FROM residents WHERE id = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a resident");
  st.bind(1, resident_id);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<Resident>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading a resident");
  return std::optional<Resident>(read_resident(st));
}

Result<ResidentView> Store::load_dossier(std::string_view resident_id) {
  const char* what = "loading a dossier";
  Transaction tx(impl_->db, Transaction::Kind::Deferred);  // one consistent snapshot
  if (tx.begin_rc() != SQLITE_OK) return impl_->err(tx.begin_rc(), what);
  auto r = resident(resident_id);
  if (!r.ok()) return r.error();
  if (!r.value()) return StoreError{StoreErrc::NotFound, "no resident with this id on this device"};
  ResidentView view;
  view.resident = std::move(*r.value());
  Stmt st(impl_->db, "SELECT kind, body FROM dossier_items WHERE resident_id = ?1 ORDER BY kind, seq");
  if (!st.ok()) return impl_->err(st.prepare_rc(), what);
  st.bind(1, resident_id);
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    auto item = parse_store_json(st.text(1), kMaxResidentDossierJsonBytes, "dossier item", StoreErrc::Corrupt);
    if (!item.ok()) return StoreError{StoreErrc::Corrupt, "a dossier item of kind " + st.text(0) + " cannot be read"};
    try {
      apply_item(view.dossier, st.text(0), item.value());
    } catch (const std::exception& e) {
      return StoreError{StoreErrc::Corrupt, "a dossier item of kind " + st.text(0) + " cannot be read"};
    }
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, what);
  auto recs = records_for(resident_id);
  if (!recs.ok()) return recs.error();
  view.records = std::move(recs.value());
  return view;
}

namespace {
// Applies a feed batch; `gemeentecode` empty = unscoped (demo seeding, tests, a location-wide feed).
Result<BatchOutcome> apply_batch(Store::Impl& impl, std::string_view location_id, std::string_view gemeentecode,
                                 const DossierBatch& batch, std::string_view new_cursor) {
  constexpr std::size_t kMaxBatch = 5000;
  if (batch.upserts.size() + batch.purges.size() > kMaxBatch) {
    return StoreError{StoreErrc::LimitReached, "a dossier batch may hold at most 5000 changes"};
  }
  if (location_id.empty()) return StoreError{StoreErrc::InvalidArgument, "a dossier batch needs a location id"};
  BatchOutcome outcome;
  Status s = impl.write_tx("applying the dossier feed", [&]() -> Status {
    const char* what = "applying the dossier feed";
    // The gemeentecode a resident is linked to now ("" if unknown or absent).
    auto current_link = [&](const std::string& id, bool* exists) -> Result<std::string> {
      Stmt st(impl.db, "SELECT gemeentecode FROM residents WHERE id = ?1");
      st.bind(1, id);
      int rc = st.step();
      *exists = rc == SQLITE_ROW;
      if (rc == SQLITE_ROW) return st.text(0);
      if (rc == SQLITE_DONE) return std::string();
      return impl.err(rc, what);
    };
    for (const auto& rd : batch.upserts) {
      if (!gemeentecode.empty()) {
        bool exists = false;
        auto link = current_link(rd.resident.id, &exists);
        if (!link.ok()) return link.error();
        // The link comes only from COA: a municipality delivers dossiers of residents COA linked to
        // it, never creates a resident COA does not know and never takes over one linked elsewhere.
        if (!exists || link.value() != gemeentecode || rd.resident.gemeentecode != gemeentecode) {
          ++outcome.skipped;
          continue;
        }
        // COA's fields stay COA's: the municipality's copy of them is ignored.
        Stmt cur(impl.db, std::string("SELECT ") + kResidentCols + " FROM residents WHERE id = ?1");
        cur.bind(1, rd.resident.id);
        if (int rc = cur.step(); rc != SQLITE_ROW) return impl.err(rc, what);
        const Resident coa = read_resident(cur);
        ResidentDossier merged = rd;
        Resident& m = merged.resident;
        m.gemeentecode = coa.gemeentecode;
        m.gekoppeld_sinds = coa.gekoppeld_sinds;
        m.eerdere_koppelingen = coa.eerdere_koppelingen;
        m.naam_latijns = coa.naam_latijns;
        m.naam_eigen_schrift = coa.naam_eigen_schrift;
        m.v_nummer = coa.v_nummer;
        m.geboortedatum = coa.geboortedatum;
        m.kamer = coa.kamer;
        m.regime = coa.regime;
        m.location_id = coa.location_id;
        if (Status s2 = impl.upsert_resident_in_tx(merged); !s2.ok()) return s2;
        ++outcome.upserted;
        continue;
      }
      if (Status s2 = impl.upsert_resident_in_tx(rd); !s2.ok()) return s2;
      ++outcome.upserted;
    }
    int deleted = 0;
    for (const auto& id : batch.purges) {
      if (!gemeentecode.empty()) {
        bool exists = false;
        auto link = current_link(id, &exists);
        if (!link.ok()) return link.error();
        if (exists && link.value() != gemeentecode) {
          ++outcome.skipped;
          continue;
        }
      }
      // obligation_withdrawn / regime_corrected: unsent records are dropped, receivers asked to delete.
      std::string reason;
      for (const auto& [rid, why] : batch.purge_reasons)
        if (rid == id) reason = why;
      if (is_deletion_reason(reason)) {
        std::string deletion_id;
        if (Status s2 = impl.withdraw_in_tx(id, reason, "sync", &deletion_id); !s2.ok()) return s2;
        if (!deletion_id.empty()) ++outcome.withdrawn;
      } else if (Status s2 = impl.purge_in_tx(id, /*keep_unsent=*/true, &deleted); !s2.ok()) {
        return s2;
      }
      ++outcome.purged;
    }
    for (const auto& [id, why] : batch.refused) {
      if (Status s2 = impl.audit_in_tx("sync", "feed.item_refused",
                                        "location=" + std::string(location_id) + " gemeentecode=" +
                                            std::string(gemeentecode) + " resident=" + id.substr(0, 64) +
                                            " cursor=" + std::string(new_cursor) + " reason=" + why.substr(0, 300));
          !s2.ok())
        return s2;
    }
    Stmt upd(impl.db, "UPDATE feed_cursor SET cursor = ?3 WHERE location_id = ?1 AND gemeentecode = ?2");
    upd.bind(1, location_id).bind(2, gemeentecode).bind(3, new_cursor);
    if (Status s2 = impl.run(upd, what); !s2.ok()) return s2;
    if (sqlite3_changes(impl.db) == 0) {
      Stmt ins(impl.db, "INSERT INTO feed_cursor(location_id, gemeentecode, cursor) VALUES (?1, ?2, ?3)");
      ins.bind(1, location_id).bind(2, gemeentecode).bind(3, new_cursor);
      if (Status s2 = impl.run(ins, what); !s2.ok()) return s2;
    }
    return impl.audit_in_tx("sync", "feed.apply",
                            "location=" + std::string(location_id) + " gemeentecode=" + std::string(gemeentecode) +
                                " upserts=" + std::to_string(outcome.upserted) + " purges=" +
                                std::to_string(outcome.purged) + " skipped=" + std::to_string(outcome.skipped) +
                                " refused=" + std::to_string(batch.refused.size()));
  });
  if (!s.ok()) return s.error();
  // An SS106 purge is done only when no page of the main file or the WAL still holds the resident.
  if (outcome.purged > 0 || impl.erase_pending) {
    if (Status e = impl.erase_deleted_pages("applying the dossier feed (the page itself was applied)"); !e.ok()) {
      return e.error();
    }
  }
  return outcome;
}
}  // namespace

Status Store::apply_dossier_batch(std::string_view location_id, const DossierBatch& batch,
                                  std::string_view new_cursor) {
  auto r = apply_batch(*impl_, location_id, {}, batch, new_cursor);
  if (!r.ok()) return r.error();
  return {};
}

Result<BatchOutcome> Store::apply_dossier_batch(std::string_view location_id, std::string_view gemeentecode,
                                                const DossierBatch& batch, std::string_view new_cursor) {
  if (!valid_gemeentecode_text(gemeentecode)) {
    return StoreError{StoreErrc::InvalidArgument, "gemeentecode must look like GM0363"};
  }
  return apply_batch(*impl_, location_id, gemeentecode, batch, new_cursor);
}

Result<std::string> Store::dossier_cursor(std::string_view location_id, std::string_view gemeentecode) {
  Stmt st(impl_->db, "SELECT cursor FROM feed_cursor WHERE location_id = ?1 AND gemeentecode = ?2");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the feed cursor");
  st.bind(1, location_id).bind(2, gemeentecode);
  int rc = st.step();
  if (rc == SQLITE_ROW) return st.text(0);
  if (rc == SQLITE_DONE) return std::string();
  return impl_->err(rc, "reading the feed cursor");
}

// COA's residents feed. COA is the authority on who lives here, their room, regime and gekoppelde
// gemeente; the municipalities' feed brings the dossier. So a COA item refreshes only the resident's
// base fields and never touches dossier items, BSN, client number, language or doelgroep. A changed
// gemeentecode keeps the previous link in eerdere_koppelingen; records already in the outbox keep the
// addressee fixed when they were made (as after a link change from the municipality feed: the store
// never re-routes a record), and the next commit_sealed goes to the new municipality. A resident who
// left (active=false) is deleted through the feed purge path: resident row and dossier at once,
// delivered records with them, records still waiting only once acknowledged (store_acknowledgement).
// The cursor is kept in feed_cursor under (location, "coa"), next to the municipalities' cursors.
namespace {
constexpr const char* kCoaCursorKey = "coa";
}  // namespace

Result<CoaResidentsOutcome> Store::apply_coa_residents(const CoaResidentsPage& page) {
  auto& impl = *impl_;
  const char* what = "applying COA's residents page";
  if (page.residents.size() + page.refused.size() > 5000)
    return StoreError{StoreErrc::LimitReached, "a COA residents page may hold at most 5000 items"};
  CoaResidentsOutcome out;
  Status s = impl.write_tx(what, [&]() -> Status {
    out = CoaResidentsOutcome{};
    {
      Stmt dev(impl.db, "SELECT location_id FROM device_config WHERE id = 1");
      int rc = dev.step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return impl.err(rc, what);
      if (rc == SQLITE_DONE || dev.text(0).empty())
        return StoreError{StoreErrc::Conflict, "this terminal has no location yet (not enrolled); the COA page is not applied"};
      if (dev.text(0) != page.location_id)
        return StoreError{StoreErrc::Conflict, "the COA page is for location " + page.location_id.substr(0, 64) +
                                                   ", this terminal is at " + dev.text(0) + "; nothing applied"};
    }
    auto unsent_of = [&](const std::string& id, std::int64_t* n) -> Status {
      Stmt st(impl.db, "SELECT count(*) FROM records r JOIN outbox o ON o.record_id = r.record_id "
                       "WHERE r.resident_id = ?1 AND o.state != 'acknowledged'");
      st.bind(1, id);
      int rc = st.step();
      if (rc != SQLITE_ROW) return impl.err(rc, what);
      *n = st.int64(0);
      return {};
    };
    int deleted = 0;
    for (const auto& c : page.residents) {
      Stmt sel(impl.db, std::string("SELECT ") + kResidentCols + " FROM residents WHERE id = ?1");
      if (!sel.ok()) return impl.err(sel.prepare_rc(), what);
      sel.bind(1, c.id);
      int rc = sel.step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return impl.err(rc, what);
      const bool exists = rc == SQLITE_ROW;
      Resident row = exists ? read_resident(sel) : Resident{};
      if (!c.active) {
        if (!exists) {
          ++out.absent;
          continue;
        }
        if (is_deletion_reason(c.withdrawal_reason)) {  // COA withdrew the obligation: drop, ask, purge
          std::string deletion_id;
          if (Status st = impl.withdraw_in_tx(c.id, c.withdrawal_reason, "sync", &deletion_id); !st.ok()) return st;
          ++out.purged;
          ++out.withdrawn;
          continue;
        }
        std::int64_t waiting = 0;
        if (Status st = unsent_of(c.id, &waiting); !st.ok()) return st;
        int before = deleted;
        if (Status st = impl.purge_in_tx(c.id, /*keep_unsent=*/true, &deleted); !st.ok()) return st;
        ++out.purged;
        if (waiting > 0) ++out.purged_waiting;
        if (Status st = impl.audit_in_tx("sync", "coa.resident_left",
                                         "location=" + page.location_id + " resident=" + c.id + " records_deleted=" +
                                             std::to_string(deleted - before) + " waiting=" + std::to_string(waiting));
            !st.ok())
          return st;
        continue;
      }
      row.id = c.id;
      row.naam_latijns = c.naam_latijns;
      row.naam_eigen_schrift = c.naam_eigen_schrift;
      row.v_nummer = c.v_nummer;
      row.geboortedatum = c.geboortedatum;
      row.kamer = c.kamer;
      row.regime = c.regime;
      row.location_id = page.location_id;
      if (exists && row.gemeentecode != c.gemeentecode) {
        std::int64_t waiting = 0;
        if (Status st = unsent_of(c.id, &waiting); !st.ok()) return st;
        if (!row.gemeentecode.empty())
          row.eerdere_koppelingen.push_back(GemeenteKoppeling{row.gemeentecode, row.gekoppeld_sinds, c.gekoppeld_sinds});
        ++out.link_changes;
        // Records not yet delivered to the old municipality were sealed to it under its link: they are
        // held (never re-addressed) until a staff member delivers them there or voids them.
        int held = 0;
        if (!row.gemeentecode.empty()) {
          Stmt hold(impl.db,
                    "UPDATE outbox SET state = 'held', held_reason = ?3 WHERE addressee = ?2 AND state IN ('pending', 'held') "
                    "AND record_id IN (SELECT record_id FROM records WHERE resident_id = ?1)");
          hold.bind(1, c.id).bind(2, row.gemeentecode);
          hold.bind(3, std::string(kLinkChangedProblem) + ": gekoppelde gemeente " + row.gemeentecode + " -> " +
                           (c.gemeentecode.empty() ? "-" : c.gemeentecode));
          if (Status st = impl.run(hold, what); !st.ok()) return st;
          held = sqlite3_changes(impl.db);
          out.records_held += held;
        }
        if (Status st = impl.audit_in_tx("sync", "coa.link_change",
                                         "location=" + page.location_id + " resident=" + c.id + " from=" +
                                             (row.gemeentecode.empty() ? "-" : row.gemeentecode) + " to=" +
                                             (c.gemeentecode.empty() ? "-" : c.gemeentecode) +
                                             " waiting_records_keep_addressee=" + std::to_string(waiting) +
                                             " records_held=" + std::to_string(held));
            !st.ok())
          return st;
      }
      row.gemeentecode = c.gemeentecode;
      row.gekoppeld_sinds = c.gekoppeld_sinds;
      if (Status st = impl.write_resident_row_in_tx(row); !st.ok()) return st;
      if (Status st = detail::apply_coa_consents_in_tx(impl, c); !st.ok()) return st;  // issue 16
      ++(exists ? out.updated : out.inserted);
    }
    for (const auto& [id, why] : page.refused) {
      if (Status st = impl.audit_in_tx("sync", "coa.item_refused",
                                       "location=" + page.location_id + " resident=" + id.substr(0, 64) +
                                           " cursor=" + page.cursor + " reason=" + why.substr(0, 300));
          !st.ok())
        return st;
      ++out.refused;
    }
    Stmt upd(impl.db, "UPDATE feed_cursor SET cursor = ?3 WHERE location_id = ?1 AND gemeentecode = ?2");
    upd.bind(1, page.location_id).bind(2, kCoaCursorKey).bind(3, page.cursor);
    if (Status st = impl.run(upd, what); !st.ok()) return st;
    if (sqlite3_changes(impl.db) == 0) {
      Stmt ins(impl.db, "INSERT INTO feed_cursor(location_id, gemeentecode, cursor) VALUES (?1, ?2, ?3)");
      ins.bind(1, page.location_id).bind(2, kCoaCursorKey).bind(3, page.cursor);
      if (Status st = impl.run(ins, what); !st.ok()) return st;
    }
    return impl.audit_in_tx("sync", "coa.residents_apply",
                            "location=" + page.location_id + " cursor=" + page.cursor + " inserted=" +
                                std::to_string(out.inserted) + " updated=" + std::to_string(out.updated) +
                                " link_changes=" + std::to_string(out.link_changes) + " purged=" +
                                std::to_string(out.purged) + " purged_waiting=" + std::to_string(out.purged_waiting) +
                                " refused=" + std::to_string(out.refused));
  });
  if (!s.ok()) return s.error();
  if (out.purged > 0 || impl.erase_pending) {
    if (Status e = impl.erase_deleted_pages("applying COA's residents page (the page itself was applied)"); !e.ok())
      return e.error();
  }
  return out;
}

Result<std::string> Store::coa_residents_cursor() {
  Stmt st(impl_->db, "SELECT f.cursor FROM feed_cursor f JOIN device_config d ON d.id = 1 AND f.location_id = d.location_id "
                     "WHERE f.gemeentecode = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the COA residents cursor");
  st.bind(1, kCoaCursorKey);
  int rc = st.step();
  if (rc == SQLITE_ROW) return st.text(0);
  if (rc == SQLITE_DONE) return std::string();
  return impl_->err(rc, "reading the COA residents cursor");
}

// [SECTION] Configuration --------------------------------------------------------------------------

namespace {
bool valid_gemeentecode(std::string_view g) {
  if (g.size() != 6 || g[0] != 'G' || g[1] != 'M') return false;
  for (std::size_t i = 2; i < 6; ++i)
    if (g[i] < '0' || g[i] > '9') return false;
  return true;
}
template <std::size_t N>
void copy_key(std::array<std::uint8_t, N>& dst, const std::vector<std::uint8_t>& src) {
  dst.fill(0);
  if (src.size() == N) std::copy(src.begin(), src.end(), dst.begin());
}
}  // namespace

Status Store::put_route(const Route& r) {
  if (!valid_gemeentecode(r.gemeentecode)) {
    return StoreError{StoreErrc::InvalidArgument, "gemeentecode must look like GM0363"};
  }
  if (r.endpoint_base_url.rfind("https://", 0) != 0) {
    return StoreError{StoreErrc::InvalidArgument, "a route needs an https:// endpoint"};
  }
  return impl_->write_tx("saving a route", [&]() -> Status {
    const char* what = "saving a route";
    auto bind_all = [&](Stmt& st) {
      st.bind(1, r.gemeentecode).bind(2, r.endpoint_base_url).bind(3, r.ca_certificate_pem).bind(4, r.pinned_public_key);
      st.bind_blob(5, r.ack_verify_key).bind_blob(6, r.box_public_key);
    };
    Stmt upd(impl_->db,
             "UPDATE routes SET endpoint_base_url=?2, ca_certificate_pem=?3, pinned_public_key=?4, ack_verify_key=?5, "
             "box_public_key=?6 WHERE gemeentecode=?1");
    if (!upd.ok()) return impl_->err(upd.prepare_rc(), what);
    bind_all(upd);
    if (Status s = impl_->run(upd, what); !s.ok()) return s;
    if (sqlite3_changes(impl_->db) == 0) {
      Stmt ins(impl_->db, "INSERT INTO routes VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      if (!ins.ok()) return impl_->err(ins.prepare_rc(), what);
      bind_all(ins);
      if (Status s = impl_->run(ins, what); !s.ok()) return s;
    }
    return impl_->audit_in_tx("admin", "route.put", "gemeentecode=" + r.gemeentecode);
  });
}

Status Store::remove_route(std::string_view gemeentecode) {
  return impl_->write_tx("removing a route", [&]() -> Status {
    Stmt del(impl_->db, "DELETE FROM routes WHERE gemeentecode = ?1");
    del.bind(1, gemeentecode);
    if (Status s = impl_->run(del, "removing a route"); !s.ok()) return s;
    if (sqlite3_changes(impl_->db) == 0) return StoreError{StoreErrc::NotFound, "no route for this gemeentecode"};
    return impl_->audit_in_tx("admin", "route.remove", "gemeentecode=" + std::string(gemeentecode));
  });
}

namespace {
Route read_route(const Stmt& st) {
  Route r;
  r.gemeentecode = st.text(0);
  r.endpoint_base_url = st.text(1);
  r.ca_certificate_pem = st.text(2);
  r.pinned_public_key = st.text(3);
  copy_key(r.ack_verify_key, st.blob(4));
  copy_key(r.box_public_key, st.blob(5));
  return r;
}
}  // namespace

Result<std::optional<Route>> Store::route(std::string_view gemeentecode) {
  Stmt st(impl_->db, "SELECT * FROM routes WHERE gemeentecode = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a route");
  st.bind(1, gemeentecode);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<Route>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading a route");
  return std::optional<Route>(read_route(st));
}

Result<bool> Store::pip_required(std::string_view gemeentecode) {
  Stmt st(impl_->db, "SELECT pip_required FROM municipality_settings WHERE gemeentecode = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading municipality settings");
  st.bind(1, gemeentecode);
  int rc = st.step();
  if (rc == SQLITE_DONE) return true;
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading municipality settings");
  return st.int64(0) != 0;
}

Result<std::vector<Route>> Store::routes() {
  Stmt st(impl_->db, "SELECT * FROM routes ORDER BY gemeentecode");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading routes");
  std::vector<Route> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_route(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading routes");
  return out;
}

namespace {
Status upsert_sync_state(Store::Impl& impl, std::string_view code, UtcTime when, const std::string* error) {
  return impl.write_tx("saving the sync state", [&]() -> Status {
    const char* what = "saving the sync state";
    Stmt upd(impl.db, error == nullptr
                          ? "UPDATE sync_state SET last_success=?2, last_attempt=?2, last_error='' WHERE gemeentecode=?1"
                          : "UPDATE sync_state SET last_attempt=?2, last_error=?3 WHERE gemeentecode=?1");
    upd.bind(1, code).bind(2, to_db(when));
    if (error != nullptr) upd.bind(3, *error);
    if (Status s = impl.run(upd, what); !s.ok()) return s;
    if (sqlite3_changes(impl.db) == 0) {
      Stmt ins(impl.db, error == nullptr
                            ? "INSERT INTO sync_state(gemeentecode, last_success, last_attempt, last_error) VALUES (?1,?2,?2,'')"
                            : "INSERT INTO sync_state(gemeentecode, last_success, last_attempt, last_error) VALUES (?1,NULL,?2,?3)");
      ins.bind(1, code).bind(2, to_db(when));
      if (error != nullptr) ins.bind(3, *error);
      if (Status s = impl.run(ins, what); !s.ok()) return s;
    }
    return {};
  });
}
}  // namespace

Status Store::record_sync_success(std::string_view gemeentecode, UtcTime when) {
  return upsert_sync_state(*impl_, gemeentecode, when, nullptr);
}

Status Store::record_sync_error(std::string_view gemeentecode, UtcTime when, std::string_view error) {
  std::string e(error.substr(0, 2000));
  return upsert_sync_state(*impl_, gemeentecode, when, &e);
}

Result<std::vector<SyncState>> Store::sync_states() {
  Stmt st(impl_->db, "SELECT gemeentecode, last_success, last_attempt, last_error FROM sync_state ORDER BY gemeentecode");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the sync state");
  std::vector<SyncState> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    SyncState s;
    s.gemeentecode = st.text(0);
    if (auto v = st.opt_int64(1)) s.last_success = from_db(*v);
    if (auto v = st.opt_int64(2)) s.last_attempt = from_db(*v);
    s.last_error = st.text(3);
    out.push_back(std::move(s));
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading the sync state");
  return out;
}

Status Store::set_device_config(const DeviceConfig& c) {
  if (c.kiosk_id.empty() || c.location_id.empty()) {
    return StoreError{StoreErrc::InvalidArgument, "device configuration needs a kiosk id and a location id"};
  }
  return impl_->write_tx("saving the device configuration", [&]() -> Status {
    Stmt st(impl_->db, "INSERT OR REPLACE INTO device_config(id, kiosk_id, location_id, location_name) VALUES (1,?1,?2,?3)");
    st.bind(1, c.kiosk_id).bind(2, c.location_id).bind(3, c.location_name);
    if (Status s = impl_->run(st, "saving the device configuration"); !s.ok()) return s;
    return impl_->audit_in_tx("admin", "device.configure", "kiosk=" + c.kiosk_id + " location=" + c.location_id);
  });
}

Result<std::optional<DeviceConfig>> Store::device_config() {
  Stmt st(impl_->db, "SELECT kiosk_id, location_id, location_name FROM device_config WHERE id = 1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the device configuration");
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<DeviceConfig>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading the device configuration");
  return std::optional<DeviceConfig>(DeviceConfig{st.text(0), st.text(1), st.text(2)});
}

Status Store::put_text_version(const TextVersion& t) {
  if (t.version_id.empty() || t.kind.empty() || t.language.empty()) {
    return StoreError{StoreErrc::InvalidArgument, "a text version needs an id, a kind and a language"};
  }
  std::string sha = record::sha256_hex(t.body);
  if (!t.sha256.empty() && t.sha256 != sha) {
    return StoreError{StoreErrc::InvalidArgument, "text version " + t.version_id + ": sha256 does not match the body"};
  }
  return impl_->write_tx("saving a text version", [&]() -> Status {
    const char* what = "saving a text version";
    Stmt sel(impl_->db, "SELECT sha256 FROM text_versions WHERE version_id = ?1");
    sel.bind(1, t.version_id);
    int rc = sel.step();
    if (rc == SQLITE_ROW) {
      if (sel.text(0) == sha) return {};
      return StoreError{StoreErrc::Conflict, "text version " + t.version_id + " exists with another body; versions are immutable"};
    }
    if (rc != SQLITE_DONE) return impl_->err(rc, what);
    return impl_->put_text_in_tx(t, sha, "admin");
  });
}

Status Store::Impl::put_text_in_tx(const TextVersion& t, const std::string& sha, std::string_view actor) {
  const char* what = "saving a text version";
  if (t.version < 0) return StoreError{StoreErrc::InvalidArgument, "text version " + t.version_id + ": negative version"};
  Stmt ins(db, "INSERT INTO text_versions(version_id, kind, language, title, body, sha256, gemeentecode, version) "
               "VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
  ins.bind(1, t.version_id).bind(2, t.kind).bind(3, t.language).bind(4, t.title).bind(5, t.body).bind(6, sha);
  ins.bind(7, t.gemeentecode).bind(8, t.version);
  if (Status s = run(ins, what); !s.ok()) return s;
  return audit_in_tx(actor, "text.put", "version=" + t.version_id + " sha256=" + sha);
}

namespace {
constexpr const char* kTextColumns = "version_id, kind, language, title, body, sha256, gemeentecode, version";
TextVersion read_text(const Stmt& st) {
  TextVersion t{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)};
  t.gemeentecode = st.text(6);
  t.version = st.int64(7);
  return t;
}
}  // namespace

Result<std::optional<TextVersion>> Store::text_version(std::string_view version_id) {
  Stmt st(impl_->db, std::string("SELECT ") + kTextColumns + " FROM text_versions WHERE version_id = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a text version");
  st.bind(1, version_id);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<TextVersion>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading a text version");
  return std::optional<TextVersion>(read_text(st));
}

Result<std::vector<TextVersion>> Store::text_versions(std::string_view kind) {
  Stmt st(impl_->db, std::string("SELECT ") + kTextColumns + " FROM text_versions" +
                         (kind.empty() ? "" : " WHERE kind = ?1") + " ORDER BY kind, gemeentecode, language, version, version_id");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading text versions");
  if (!kind.empty()) st.bind(1, kind);
  std::vector<TextVersion> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_text(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading text versions");
  return out;
}

Result<std::optional<TextVersion>> Store::current_text(std::string_view kind, std::string_view language,
                                                     std::string_view gemeentecode) {
  Stmt st(impl_->db, std::string("SELECT ") + kTextColumns +
                         " FROM text_versions WHERE kind = ?1 AND language = ?2 AND gemeentecode = ?3"
                         " ORDER BY version DESC, version_id DESC LIMIT 1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the current text");
  st.bind(1, kind).bind(2, language).bind(3, gemeentecode);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<TextVersion>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading the current text");
  return std::optional<TextVersion>(read_text(st));
}

// [SECTION] Export ---------------------------------------------------------------------------------

Result<std::string> Store::export_resident_json(std::string_view resident_id) {
  auto view = load_dossier(resident_id);
  if (!view.ok()) return view.error();
  json j;
  j["export"] = {{"purpose", "AVG inzageverzoek (right of access)"},
                 {"exported_at", record::format_utc(impl_->now())},
                 {"schema_version", impl_->schema_version}};
  j["resident"] = view->resident;
  j["dossier"] = view->dossier;
  json recs = json::array();
  for (const auto& r : view->records) {
    recs.push_back({{"record_id", r.record_id},
                    {"kind", r.kind},
                    {"text_version_id", r.text_version_id},
                    {"decision", r.decision},
                    {"created_at", record::format_utc(r.created_at)},
                    {"addressee", r.addressee},
                    {"outbox_state", r.outbox_state}});
  }
  j["records"] = recs;
  auto out = j.dump(2, ' ', false, json::error_handler_t::replace);
  // Every disclosure is audited (ids only).
  if (Status s = append_audit("admin", "resident.export", "resident=" + std::string(resident_id)); !s.ok()) {
    return s.error();
  }
  return out;
}

}  // namespace balie::store
