// libFuzzer target: everything balie-syncd parses from a municipality (push response with acks,
// dossier feed, identity statement, problem+json, deletion receipts). See fuzz/CMakeLists.txt for how it is built and run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"
#include "balie/sync/reports.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = balie::sync::parse_push_response(in)) {
    for (const auto& a : *r)
      if (!a.ack_json.empty())
        (void)balie::record::verify_ack(a.ack_json, a.record_id, "GM0363", std::string(64, '0'), balie::record::Key32{});
  }
  (void)balie::sync::parse_dossier_batch(in);
  (void)balie::sync::parse_identity(in);
  (void)balie::sync::parse_chain_head(in);
  (void)balie::record::parse_ack_json(in);
  (void)balie::sync::parse_problem(in);
  if (auto q = balie::sync::parse_deletion_request(in)) {  // a receipt for a request of the same shape
    (void)balie::sync::verify_deletion_receipt(in, *q, "GM0363", "T1", balie::record::Key32{});
  }
  (void)balie::sync::verify_deletion_receipt(in, balie::sync::DeletionRequest{}, "GM0363", "T1", balie::record::Key32{});
  return 0;
}
