# Assembles the static poem page: the served page's files, its index.html marked data-backend="wasm"
# (api.js then calls the module instead of a server), wasm.js and the shipped model.
#   cmake -DWEB=<examples/poem_vae/web> -DWASM=<this dir> -DMODELS=<models> -DPAGE=<out> -P page.cmake
file(MAKE_DIRECTORY ${PAGE}/models)
foreach(f style.css app.js api.js)
  configure_file(${WEB}/${f} ${PAGE}/${f} COPYONLY)
endforeach()
configure_file(${WASM}/wasm.js ${PAGE}/wasm.js COPYONLY)
configure_file(${MODELS}/poem-simplified.safetensors ${PAGE}/models/poem-simplified.safetensors COPYONLY)
file(READ ${WEB}/index.html html)
string(REPLACE "<html lang=\"zh-Hans\">" "<html lang=\"zh-Hans\" data-backend=\"wasm\">" marked "${html}")
if(marked STREQUAL html)
  message(FATAL_ERROR "page.cmake: ${WEB}/index.html has no <html lang=\"zh-Hans\"> to mark")
endif()
file(WRITE ${PAGE}/index.html.tmp "${marked}")
file(RENAME ${PAGE}/index.html.tmp ${PAGE}/index.html)
