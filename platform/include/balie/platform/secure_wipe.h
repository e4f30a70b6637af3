// Overwriting personal data in memory before it is released (platform layer, any thread): used by
// the kiosk's scenes, session and signing code. Uses sodium_memzero so the compiler cannot drop the
// writes.
#pragma once
#include <sodium.h>

#include <cstddef>
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

// Destroys a vector's elements and zeroes its whole storage (capacity): the bytes of short strings
// (kept inside the string object) and of moved-from elements do not stay behind in freed memory.
// Wipe the elements' own heap contents first (secure_wipe on their strings).
template <typename T>
inline void wipe_storage(std::vector<T>& v) {
  v.clear();
  if (v.capacity() > 0) sodium_memzero(static_cast<void*>(v.data()), v.capacity() * sizeof(T));
}

// emplace_back that leaves no copy behind when the vector grows: the elements move to a larger
// storage and the old storage is zeroed before it is freed (std::vector's own growth would free it
// as it is, short strings included).
template <typename T>
inline T& emplace_back_wiping(std::vector<T>& v) {
  if (v.size() == v.capacity()) {
    std::vector<T> bigger;
    bigger.reserve(v.capacity() < 8 ? 8 : v.capacity() * 2);
    for (T& x : v) bigger.push_back(std::move(x));
    wipe_storage(v);
    v.swap(bigger);
  }
  return v.emplace_back();
}

// Zeroes `bytes` of the calling thread's stack below the caller's frame: the temporaries that
// deeper calls left there (short strings returned by value, parser buffers) are overwritten.
// Call it from a shallow frame (e.g. at the end of a session, on the thread that ran it).
[[gnu::noinline]] inline void scrub_stack(std::size_t bytes = 256 * 1024) {
  void* p = __builtin_alloca(bytes);
  sodium_memzero(p, bytes);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

}  // namespace balie::platform
