# natter_add_plugin(<name> KIND <kind> SOURCES <file>...)
#
# Builds natter_<kind>_<name>.so, the file name under which natterd finds a
# plugin named <name> of that kind in its plugin directories. Everything but
# the descriptor symbol is hidden, so plugins cannot clash with each other
# or with the broker.
function(natter_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "KIND" "SOURCES")
  set(kinds transport storage pubsub filter ratelimit auth attachments hook)
  if(NOT ARG_KIND IN_LIST kinds)
    message(FATAL_ERROR "natter_add_plugin(${name}): KIND must be one of ${kinds}")
  endif()
  set(target natter_${ARG_KIND}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(TARGET natter::sdk)
    target_link_libraries(${target} PRIVATE natter::sdk)
  endif()
  target_compile_features(${target} PRIVATE cxx_std_20)
  # A plugin must not leave undefined symbols for the broker to satisfy.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
endfunction()
