// Configuration and command-line validation of every program (issue 13, item 9), run as real
// processes: balie-syncd (syncd.json, routing file, flags), balie-inbox (flags, import-dossiers),
// balie-admin and balie-kiosk (flags). A wrong type, an unknown key or flag, or a malformed value is
// a message naming the key or flag and what it expects, with exit status 2, never an abort; --help
// prints the usage with exit status 0.
#include <gtest/gtest.h>

#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

struct Out {
  int rc;
  std::string text;
};

Out run_out(const std::vector<std::string>& argv) {
  Out o;
  o.rc = run(argv, &o.text, 60);
  return o;
}

fs::path admin_bin() { return fs::path(BALIE_BINARY_DIR) / "store" / "balie-admin"; }
fs::path kiosk_bin() { return fs::path(BALIE_BINARY_DIR) / "kiosk" / "balie-kiosk"; }

class SyncdConfig : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new fs::path(fresh_dir("config-cli"));
    pki_ = new Pki(*work_ / "pki", {"GM0363"});
    kiosk_ = new Kiosk(*pki_, *work_);
  }
  static void TearDownTestSuite() {
    delete kiosk_;
    delete pki_;
    delete work_;
  }
  // The kiosk's working syncd.json with `edit` applied, written next to it; runs balie-syncd on it.
  Out syncd_with(const std::function<void(json&)>& edit, const std::vector<std::string>& args = {"status"}) {
    json c = json::parse(slurp(kiosk_->config));
    edit(c);
    fs::path f = kiosk_->dir / "edited.json";
    spit(f, c.dump(1));
    return syncd_file(f, args);
  }
  Out syncd_file(const fs::path& f, const std::vector<std::string>& args = {"status"}) {
    std::vector<std::string> argv = {bin("balie-syncd").string(), "--config", f.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_out(argv);
  }
  static fs::path* work_;
  static Pki* pki_;
  static Kiosk* kiosk_;
};
fs::path* SyncdConfig::work_ = nullptr;
Pki* SyncdConfig::pki_ = nullptr;
Kiosk* SyncdConfig::kiosk_ = nullptr;

#define EXPECT_REFUSED(o, needle)                                          \
  do {                                                                     \
    EXPECT_EQ((o).rc, 2) << (o).text;                                      \
    EXPECT_NE((o).text.find(needle), std::string::npos) << (o).text;       \
  } while (0)

}  // namespace

TEST_F(SyncdConfig, TheWorkingConfigIsAccepted) {
  auto o = syncd_with([](json&) {});
  EXPECT_EQ(o.rc, 0) << o.text;
}

TEST_F(SyncdConfig, WrongTypesAreNamedWithTheExpectedTypeAndExitTwo) {
  // Before: nlohmann's type_error escaped and balie-syncd aborted (SIGABRT, exit 134).
  EXPECT_REFUSED(syncd_with([](json& c) { c["max_retries"] = "three"; }),
                 "\"max_retries\" must be an integer from 0 to 20 (got string)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["batch_max_records"] = 2.5; }),
                 "\"batch_max_records\" must be an integer from 1 to 500 (got number)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["batch_max_records"] = 100000; }),
                 "\"batch_max_records\" must be an integer from 1 to 500 (got 100000)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["total_timeout_s"] = -1; }), "\"total_timeout_s\" must be an integer");
  EXPECT_REFUSED(syncd_with([](json& c) { c["window"] = 5; }), "\"window\" must be a string (got integer)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["window"] = "1am-5am"; }), "\"window\" must be a string like");
  EXPECT_REFUSED(syncd_with([](json& c) { c["store"] = json::array(); }), "\"store\" must be a string (got array)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["device_id"] = "kiosk 01/../x"; }), "\"device_id\" must match");
  EXPECT_REFUSED(syncd_with([](json& c) { c["window_jitter_minutes"] = true; }),
                 "\"window_jitter_minutes\" must be an integer from 0 to 1440 (got boolean)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["provisioning_keys"] = 7; }), "\"provisioning_keys\" must be a string (got integer)");
  EXPECT_REFUSED(syncd_with([](json& c) { c["provisioning_keys"] = ""; }), "\"provisioning_keys\" must be a non-empty path");
}

TEST_F(SyncdConfig, UnknownAndMissingKeysAreErrors) {
  // Before: a misspelt key was silently ignored and its default used.
  EXPECT_REFUSED(syncd_with([](json& c) { c["max_retry"] = 3; }), "unknown key \"max_retry\"");
  EXPECT_REFUSED(syncd_with([](json& c) { c.erase("device_id"); }), "\"device_id\" is required");
  EXPECT_REFUSED(syncd_with([](json& c) { c.erase("client_key"); }), "\"client_key\" is required");
  EXPECT_REFUSED(syncd_with([](json& c) { c["client_cert"] = "no-such.pem"; }), "cannot read \"client_cert\"");
  EXPECT_REFUSED(syncd_with([](json& c) { c["store_kind"] = "dev"; }), "store_kind \"dev\" is not supported");
}

TEST_F(SyncdConfig, MalformedHugeAndDeepConfigFilesAreRefused) {
  fs::path f = kiosk_->dir / "bad.json";
  spit(f, "{\"store\": ");
  EXPECT_REFUSED(syncd_file(f), "bad.json is not valid JSON");
  spit(f, "[1,2,3]");
  EXPECT_REFUSED(syncd_file(f), "bad.json must be a JSON object (got array)");
  spit(f, std::string(20000, '[') + std::string(20000, ']'));
  EXPECT_REFUSED(syncd_file(f), "bad.json nests deeper than 32 levels");
  spit(f, "{\"store\":\"" + std::string(70 * 1024, 'x') + "\"}");
  EXPECT_REFUSED(syncd_file(f), "more than the limit of 65536");
  spit(f, "{\"max_retries\": 1e999}");
  EXPECT_REFUSED(syncd_file(f), "bad.json is not valid JSON");
}

TEST_F(SyncdConfig, FlagsAndCommandsAreCheckedAndHelpWorks) {
  auto help = run_out({bin("balie-syncd").string(), "--help"});
  EXPECT_EQ(help.rc, 0) << help.text;
  EXPECT_NE(help.text.find("usage: balie-syncd"), std::string::npos) << help.text;
  EXPECT_REFUSED(run_out({bin("balie-syncd").string()}), "--config FILE is required");
  EXPECT_REFUSED(run_out({bin("balie-syncd").string(), "--config"}), "--config needs a file name");
  EXPECT_REFUSED(run_out({bin("balie-syncd").string(), "--config", kiosk_->config.string(), "--onse"}),
                 "unknown option '--onse'");
  EXPECT_REFUSED(run_out({bin("balie-syncd").string(), "--config", kiosk_->config.string(), "stauts"}),
                 "unknown command 'stauts'");
  EXPECT_REFUSED(run_out({bin("balie-syncd").string(), "--config", kiosk_->config.string(), "import-routing"}),
                 "import-routing needs exactly one file name");
  EXPECT_REFUSED(run_out({bin("balie-syncd").string(), "--config", kiosk_->config.string(), "--once", "status"}),
                 "cannot be combined");
}

TEST_F(SyncdConfig, RoutingFilesAreCheckedKeyByKeyAndNothingIsImportedFromABadOne) {
  json good = {{"gemeentecode", "GM0363"},
               {"base_url", "https://127.0.0.1:1"},
               {"ca_pem", "x"},
               {"pinned_key", "sha256//x"},
               {"ed25519_pk", std::string(64, 'a')},
               {"x25519_pk", std::string(64, 'b')}};
  fs::path f = kiosk_->dir / "routing.json";
  auto import = [&](const json& routes) {
    spit(f, json{{"routes", routes}}.dump());
    return syncd_file(f.parent_path() / "syncd.json", {"import-routing", f.string()});
  };
  json r = good;
  r["base_url"] = 443;
  EXPECT_REFUSED(import(json::array({good, r})), "routes[1]: \"base_url\" must be a string (got integer)");
  r = good;
  r["pin"] = "x";
  EXPECT_REFUSED(import(json::array({r})), "routes[0]: unknown key \"pin\"");
  r = good;
  r.erase("x25519_pk");
  EXPECT_REFUSED(import(json::array({r})), "routes[0]: \"x25519_pk\" is required");
  EXPECT_REFUSED(import(json::object()), "\"routes\" must be an array (got object)");
  // Nothing of the bad files reached the store: the route still has no such endpoint.
  auto st = kiosk_->open();
  auto route = st->store().route("GM0363");
  ASSERT_TRUE(route.ok());
  EXPECT_FALSE(route.value().has_value() && route.value()->endpoint_base_url == "https://127.0.0.1:1");
}

TEST(InboxFlags, FlagsAreCheckedByNameAndTypeAndHelpWorks) {
  const std::string ib = bin("balie-inbox").string();
  auto help = run_out({ib, "--help"});
  EXPECT_EQ(help.rc, 0) << help.text;
  EXPECT_NE(help.text.find("usage: balie-inbox"), std::string::npos) << help.text;
  EXPECT_EQ(run_out({ib, "serve", "--help"}).rc, 0);
  fs::path work = fresh_dir("inbox-flags");
  ASSERT_EQ(run_out({ib, "keygen", "--dir", work.string()}).rc, 0);  // so serve gets as far as its flags
  const std::vector<std::string> serve = {ib,     "serve",  "--gemeentecode", "GM0363", "--db", (work / "i.db").string(),
                                          "--db-key-file", inbox_key(work / "i.db"),
                                          "--cert", "c.pem", "--key",          "k.pem",  "--client-ca", "ca.pem",
                                          "--keys", work.string()};
  auto with = [&](std::vector<std::string> extra) {
    auto a = serve;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_out(a);
  };
  // Before: std::stoul threw and balie-inbox aborted (SIGABRT, exit 134).
  EXPECT_REFUSED(with({"--max-body", "abc"}), "--max-body must be an integer from 1024 to 1073741824 (got 'abc')");
  EXPECT_REFUSED(with({"--max-body", "99999999999999999999999"}), "--max-body must be an integer");
  EXPECT_REFUSED(with({"--listen", "127.0.0.1:http"}), "--listen port must be an integer from 0 to 65535");
  EXPECT_REFUSED(with({"--listen", "8443"}), "--listen must be HOST:PORT");
  EXPECT_REFUSED(with({"--chaos-500-every", "-1"}), "--chaos-500-every must be an integer");
  EXPECT_REFUSED(with({"--max-bdy", "10"}), "unknown option '--max-bdy'");
  EXPECT_REFUSED(with({"--max-body"}), "--max-body needs a value");
  EXPECT_REFUSED(with({"--port-file", "a", "--port-file", "b"}), "--port-file given twice");
  EXPECT_REFUSED(run_out({ib, "serve", "--gemeentecode", "GM0363"}), "--cert is required");
  EXPECT_REFUSED(run_out({ib, "dump", "--gemeentecode", "GM0363"}),
                 "give exactly one of --db F (SQLCipher file) and --pg CONNINFO (PostgreSQL)");
  EXPECT_REFUSED(run_out({ib, "dump", "--gemeentecode", "0363", "--db", "x"}), "--gemeentecode must look like GM0363");
  EXPECT_REFUSED(run_out({ib, "dump", "--db", "x", "--gemeentecode", "GM0363", "--today", "2026-01-01"}),
                 "unknown option '--today'");
  EXPECT_REFUSED(run_out({ib, "export-pvt", "--db", "x", "--gemeentecode", "GM0363", "--today", "tomorrow"}),
                 "--today must be a date YYYY-MM-DD");
  EXPECT_REFUSED(run_out({ib, "frobnicate"}), "unknown command 'frobnicate'");
  EXPECT_REFUSED(run_out({ib}), "a command is required");
}

TEST(InboxImport, OverLimitDossierImportsAreRefusedWithTheLimitAndStoreNothing) {
  fs::path work = fresh_dir("inbox-import");
  const std::string ib = bin("balie-inbox").string(), db = (work / "i.db").string();
  fs::path f = work / "residents.json";
  auto import = [&] { return run_out({ib, "import-dossiers", "--db", db, "--db-key-file", inbox_key(db), "--gemeentecode", "GM0363", "--file", f.string()}); };
  spit(f, "{\"residents\":[{\"resident_id\":\"r1\",\"locatiecode\":\"L\",\"dossier\":{\"x\":" + std::string(50000, '[') +
              std::string(50000, ']') + "}}]}");
  auto o = import();
  EXPECT_EQ(o.rc, 1) << o.text;
  EXPECT_NE(o.text.find("nests deeper than 32 levels"), std::string::npos) << o.text;
  json big = {{"residents", json::array({{{"resident_id", "r1"}, {"locatiecode", "L"},
                                          {"dossier", {{"note", std::string(70 * 1024, 'x')}}}}})}};
  spit(f, big.dump());
  o = import();
  EXPECT_EQ(o.rc, 1) << o.text;
  EXPECT_NE(o.text.find("more than the feed limit of 65536"), std::string::npos) << o.text;
  json ok = {{"residents", json::array({{{"resident_id", "r1"}, {"locatiecode", "L"}, {"dossier", json::object()}}})}};
  spit(f, ok.dump());
  o = import();
  EXPECT_EQ(o.rc, 0) << o.text;
}

TEST(AdminFlags, HelpAndMalformedFlags) {
  fs::path work = fresh_dir("admin-flags");
  const std::string a = admin_bin().string();
  auto help = run_out({a, "--help"});
  EXPECT_EQ(help.rc, 0) << help.text;
  EXPECT_NE(help.text.find("usage: balie-admin"), std::string::npos) << help.text;
  EXPECT_REFUSED(run_out({a, "--db"}), "--db needs a file name");
  EXPECT_REFUSED(run_out({a, "--db", (work / "x.db").string(), "status", "--verbose"}),
                 "status takes no arguments (got '--verbose')");
  EXPECT_REFUSED(run_out({a, "--frob", "status"}), "unknown command '--frob'");
}

TEST(KioskFlags, HelpAndMalformedFlagsExitBeforeAnyWindow) {
  const std::string k = kiosk_bin().string();
  auto help = run_out({k, "--help"});
  EXPECT_EQ(help.rc, 0) << help.text;
  EXPECT_NE(help.text.find("usage: balie-kiosk"), std::string::npos) << help.text;
  EXPECT_REFUSED(run_out({k, "--windowed", "abc"}), "--windowed needs WxH");
  EXPECT_REFUSED(run_out({k, "--clock-start", "yesterday"}), "--clock-start needs a UTC time");
  EXPECT_REFUSED(run_out({k, "--script", ""}), "--script needs a value");
  EXPECT_REFUSED(run_out({k, "--fullscreen-please"}), "unknown option '--fullscreen-please'");
}
