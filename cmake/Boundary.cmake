# Architecture guard, checked once at the end of configuration; a violation stops the configure step
# with a message naming the offending chain or file:
#  - balie_headless(<target>): storage, record, sync, session and text layout link no ImGui or SDL,
#    directly or through another target;
#  - balie_no_network(<target>): the UI process (kiosk/) links neither libcurl nor the sync engine;
#    the UI has no network, in the build graph too;
#  - balie_check_private_includes(<root> <layer>...): no file outside a layer includes a header from
#    that layer's src/ (its private headers); layers export only include/.
set_property(GLOBAL PROPERTY BALIE_HEADLESS_TARGETS "")
set_property(GLOBAL PROPERTY BALIE_NO_NETWORK_TARGETS "")

function(balie_headless target)
  set_property(GLOBAL APPEND PROPERTY BALIE_HEADLESS_TARGETS ${target})
endfunction()

# Collects the link closure of a target (names of targets and plain libraries).
function(_balie_link_closure target out_var chain_var)
  set(seen "")
  set(stack ${target})
  set(chains "")
  while(stack)
    list(POP_FRONT stack item)
    if(item IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${item})
    if(TARGET ${item})
      get_target_property(type ${item} TYPE)
      set(libs "")
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        get_target_property(l ${item} LINK_LIBRARIES)
        if(l)
          list(APPEND libs ${l})
        endif()
      endif()
      get_target_property(il ${item} INTERFACE_LINK_LIBRARIES)
      if(il)
        list(APPEND libs ${il})
      endif()
      foreach(dep ${libs})
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
        list(APPEND stack ${dep})
        list(APPEND chains "${item}->${dep}")
      endforeach()
    endif()
  endwhile()
  set(${out_var} ${seen} PARENT_SCOPE)
  set(${chain_var} ${chains} PARENT_SCOPE)
endfunction()

function(balie_no_network target)
  set_property(GLOBAL APPEND PROPERTY BALIE_NO_NETWORK_TARGETS ${target})
endfunction()

# Fails when a target of `targets_property` links something whose lower-cased name matches `pattern`.
function(_balie_check_closure targets_property pattern what)
  get_property(targets GLOBAL PROPERTY ${targets_property})
  foreach(t ${targets})
    _balie_link_closure(${t} closure chains)
    foreach(dep ${closure})
      string(TOLOWER "${dep}" ldep)
      if(ldep MATCHES "${pattern}")
        set(path "")
        foreach(c ${chains})
          if(c MATCHES "->${dep}$")
            set(path "${c}")
          endif()
        endforeach()
        message(FATAL_ERROR "Architecture violation: '${t}' ${what} but links '${dep}' (${path}).")
      endif()
    endforeach()
  endforeach()
endfunction()

function(balie_check_no_network_targets)
  _balie_check_closure(BALIE_NO_NETWORK_TARGETS "curl|^balie_sync|^balie_inbox"
    "is part of the UI process, which has no network (libcurl and the sync engine belong to balie-syncd)")
endfunction()

# Scans every C/C++ source and header under `root` (build trees excluded) for #include "..." lines
# that resolve, relative to the including file, into <root>/<layer>/src/ of another layer, or that
# name such a path outright.
function(balie_check_private_includes root)
  file(GLOB_RECURSE sources LIST_DIRECTORIES false
       "${root}/*.cpp" "${root}/*.h" "${root}/*.hpp" "${root}/*.cc")
  foreach(f ${sources})
    file(RELATIVE_PATH rel "${root}" "${f}")
    if(rel MATCHES "^(build|\\.git)/")
      continue()
    endif()
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*$" "\\1" inc "${line}")
      get_filename_component(dir "${f}" DIRECTORY)
      get_filename_component(resolved "${dir}/${inc}" ABSOLUTE)
      foreach(layer ${ARGN})
        if(rel MATCHES "^${layer}/")
          continue()
        endif()
        string(FIND "${resolved}" "${root}/${layer}/src/" at_resolved)
        string(FIND "${inc}" "${layer}/src/" at_named)
        if(at_resolved EQUAL 0 OR NOT at_named EQUAL -1)
          message(FATAL_ERROR "Architecture violation: ${rel} includes \"${inc}\", a private header of ${layer}/ "
                              "(only ${layer}/include/ is public).")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()

function(balie_check_headless_targets)
  _balie_check_closure(BALIE_HEADLESS_TARGETS "imgui|sdl2|pkgconfig::sdl|balie_ui|balie_kiosk"
    "is a headless library (record/storage/sync/session/text layout; only kiosk/ may use ImGui or SDL)")
endfunction()
