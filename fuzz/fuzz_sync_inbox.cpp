// libFuzzer target: everything balie-inbox parses from a kiosk (push batch, each envelope,
// gzip bodies, deletion requests). Built with the "fuzz" preset (clang, -DBALIE_FUZZ=ON; fuzz/CMakeLists.txt); the regular
// test suite runs the committed corpus once (fuzz_corpus_sync_inbox).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"
#include "balie/sync/reports.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto batch = balie::sync::parse_push_request(in)) {
    for (const auto& e : *batch) {
      auto env = balie::record::parse_envelope(e);
      if (env) (void)balie::record::verify_envelope(*env, balie::record::Key32{});
    }
  }
  (void)balie::record::parse_envelope(in);
  (void)balie::sync::parse_feed_report(in);
  (void)balie::sync::parse_deletion_request(in);
  (void)balie::record::gzip_decompress(in, 1u << 20);
  return 0;
}
