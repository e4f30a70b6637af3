// Runs a libFuzzer target's corpus once without libFuzzer (regular GCC test builds; fuzz/CMakeLists.txt):
//   <runner> DIR...   feeds every file under each DIR to LLVMFuzzerTestOneInput; exit 1 if empty.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(argv[i])) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::vector<char> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size());
      ++n;
    }
  }
  std::printf("ran %zu corpus inputs\n", n);
  return n > 0 ? 0 : 1;
}
