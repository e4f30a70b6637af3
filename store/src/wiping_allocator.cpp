// SQLite memory that is overwritten when freed (store/ layer): wraps SQLite's own allocator so that
// every block SQLite releases (page cache, decrypted pages, row values, statement memory) is zeroed
// first. Only SQLite's allocations are touched, not the process's malloc. See
// wipe_sqlite_memory_on_free() in store.h.
#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "balie/store/store.h"

namespace balie::store {

namespace {

sqlite3_mem_methods g_inner{};  // SQLite's default methods, wrapped

void* wipe_malloc(int n) { return g_inner.xMalloc(n); }

void wipe_free(void* p) {
  if (p == nullptr) return;
  sodium_memzero(p, static_cast<std::size_t>(g_inner.xSize(p)));
  g_inner.xFree(p);
}

// Never realloc in place: the old block would be released without being overwritten.
void* wipe_realloc(void* p, int n) {
  if (p == nullptr) return g_inner.xMalloc(n);
  const int old = g_inner.xSize(p);
  void* q = g_inner.xMalloc(n);
  if (q == nullptr) return nullptr;  // SQLite keeps p
  std::memcpy(q, p, static_cast<std::size_t>(std::min(old, n)));
  wipe_free(p);
  return q;
}

int wipe_size(void* p) { return g_inner.xSize(p); }
int wipe_roundup(int n) { return g_inner.xRoundup(n); }
int wipe_init(void*) { return g_inner.xInit(g_inner.pAppData); }
void wipe_shutdown(void*) { g_inner.xShutdown(g_inner.pAppData); }

}  // namespace

Status wipe_sqlite_memory_on_free() {
  static std::once_flag once;
  static int rc = SQLITE_OK;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      rc = SQLITE_ERROR;
      return;
    }
    rc = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_inner);
    if (rc != SQLITE_OK) return;
    static const sqlite3_mem_methods wrapped{wipe_malloc, wipe_free,     wipe_realloc,  wipe_size,
                                             wipe_roundup, wipe_init, wipe_shutdown, nullptr};
    rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped);
  });
  if (rc != SQLITE_OK)
    return StoreError{StoreErrc::InvalidArgument,
                      "cannot make SQLite overwrite freed memory (SQLite was already in use, code " +
                          std::to_string(rc) + ")"};
  return {};
}

}  // namespace balie::store
