# Embeds src/web/ui/* into cbd_web as generated ui_assets.cpp (see embed.cmake); rebuilt when a file changes.
file(GLOB_RECURSE callbackd_ui_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/web/ui/*.html
     ${CMAKE_CURRENT_SOURCE_DIR}/web/ui/*.css ${CMAKE_CURRENT_SOURCE_DIR}/web/ui/*.js)
set(callbackd_ui_cpp ${CMAKE_CURRENT_BINARY_DIR}/ui_assets.cpp)
add_custom_command(OUTPUT ${callbackd_ui_cpp}
  COMMAND ${CMAKE_COMMAND} -DUI_DIR=${CMAKE_CURRENT_SOURCE_DIR}/web/ui -DOUT=${callbackd_ui_cpp}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/web/ui/embed.cmake
  DEPENDS ${callbackd_ui_files} ${CMAKE_CURRENT_SOURCE_DIR}/web/ui/embed.cmake
  COMMENT "Embedding the web UI")
target_sources(cbd_web PRIVATE ${callbackd_ui_cpp})
