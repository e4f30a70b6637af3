# Common compile settings for Balie's own targets: warnings that catch real bugs, and the
# sanitizer switch used by the "asan" preset. Call balie_target_defaults(<target>) on each target.
option(BALIE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

function(balie_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
  if(BALIE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
