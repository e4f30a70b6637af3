// balie-inbox's DUO registration pass and status (issue 17, item 4): every stored participatieverklaring
// that passes the shared PVT rule (InboxDb::export_pvt) is PUT to DUO once, with its BerichtId committed
// before the first send and reused on every retry; the ten-working-day deadline (seed 004, 4.4) from
// receipt to DUO's acceptance is tracked per record. Used by `balie-inbox duo-register` / `duo-status`.
#pragma once
#include <cstdint>
#include <string>

#include "duo_client.h"
#include "inbox_db.h"

namespace balie::inbox {

struct DuoPassConfig {
  DuoClientConfig client;
  std::string today;            // Amsterdam day YYYY-MM-DD (the PVT rule's "today")
  bool pip_required = true;
  int max_attempts = 5;         // sends per record within one pass; the next pass (timer) goes on
  long backoff_ms = 1000;       // wait before retry n: backoff_ms * 2^(n-1), at most 60 s
};

struct DuoPassResult {
  int accepted = 0, rejected = 0, retrying = 0, blocked = 0, already_decided = 0;
  std::string json;  // summary: counts and one line per record (no BSN)
};

record::Result<DuoPassResult> duo_register_pass(InboxDb& db, const DuoPassConfig& c);

struct DuoStatus {
  int overdue = 0;
  std::string json;
};
// Every PVT record (voided ones excluded) with its registration state, deadline and whether it is
// overdue on `today`: not accepted after the tenth working day after the Amsterdam day of receipt.
record::Result<DuoStatus> duo_status(InboxDb& db, const std::string& today);

}  // namespace balie::inbox
