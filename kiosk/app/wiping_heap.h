// The kiosk's wiping allocator pair (app/wiping_heap.cpp): zeroes each block before freeing it. The
// same file replaces the global operator new/delete of balie-kiosk; these two are handed to ImGui
// (ImGui::SetAllocatorFunctions) so its buffers are overwritten on release too.
#pragma once
#include <cstddef>

namespace balie::kiosk {

void* wiping_alloc(std::size_t n, void* user);
void wiping_free(void* p, void* user);

}  // namespace balie::kiosk
