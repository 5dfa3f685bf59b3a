# Warnings and shared settings for natter's own targets.

function(natter_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter)
endfunction()

# Asio is compiled once per binary (separate compilation) instead of in
# every translation unit that includes it.
function(natter_use_asio target)
  target_compile_definitions(${target} PRIVATE
    BOOST_ASIO_SEPARATE_COMPILATION BOOST_ASIO_NO_DEPRECATED)
  target_link_libraries(${target} PRIVATE Boost::headers Threads::Threads)
endfunction()
