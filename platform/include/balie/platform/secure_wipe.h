// Overwriting personal data in memory before it is released (platform layer, any thread): used by
// the kiosk's scenes, session and signing code. Uses sodium_memzero so the compiler cannot drop the
// writes.
#pragma once
#include <sodium.h>

#include <string>
#include <vector>

namespace balie::platform {

inline void secure_wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  // Also wipe spare capacity that may hold older contents.
  if (s.capacity() > s.size()) {
    const size_t n = s.size();
    s.resize(s.capacity());
    sodium_memzero(s.data(), s.size());
    s.resize(n);
  }
  s.clear();
}

template <typename T>
inline void secure_wipe(std::vector<T>& v) {
  if (!v.empty()) sodium_memzero(v.data(), v.size() * sizeof(T));
  v.clear();
}

}  // namespace balie::platform
