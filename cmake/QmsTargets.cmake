# Helpers shared by every directory: warnings, generated protobuf/gRPC code, embedded migrations.

set(QMS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual)
if(QMS_WERROR)
  list(APPEND QMS_WARNINGS -Werror)
endif()
if(QMS_SANITIZE OR QMS_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(QMS_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# qms_target(<target>): project code gets the strict warning set.
function(qms_target target)
  target_compile_options(${target} PRIVATE ${QMS_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# qms_proto_library(<target> GRPC <on|off> PROTOS <files relative to proto/ or grpc-proto>...)
# Generates C++ (and gRPC stubs when GRPC is on) into the build tree. Generated code is not held
# to the project's warning set.
function(qms_proto_library target)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS;DEPS" ${ARGN})
  set(out ${PROJECT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out})
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    if(EXISTS ${PROJECT_SOURCE_DIR}/proto/${proto})
      set(abs ${PROJECT_SOURCE_DIR}/proto/${proto})
    else()
      set(abs ${QMS_GRPC_PROTO_DIR}/${proto})
    endif()
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(generated ${out}/${base}.pb.cc ${out}/${base}.pb.h)
    set(plugin_args)
    if(ARG_GRPC)
      list(APPEND generated ${out}/${base}.grpc.pb.cc ${out}/${base}.grpc.pb.h)
      set(plugin_args --grpc_out=${out} --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${generated}
      COMMAND protobuf::protoc -I ${PROJECT_SOURCE_DIR}/proto -I ${QMS_GRPC_PROTO_DIR}
              -I /usr/include --cpp_out=${out} ${plugin_args} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${proto}")
    list(APPEND srcs ${generated})
  endforeach()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC ${out})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${target} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# qms_migrations(<target> [DIR <dir>] NAMESPACE <c++ namespace> [OUTBOX])
# Embeds every DIR/NNNN_name.sql into a library exposing
#   const std::vector<qms::db::Migration>& <namespace>::Migrations();
# so a binary carries its own schema and needs no files beside it at run time. OUTBOX adds the
# shared outbox tables (common/migrations/outbox/, versions 9000 and up; the service's own
# versions must stay below 9000).
function(qms_migrations target)
  cmake_parse_arguments(ARG "OUTBOX" "DIR;NAMESPACE" "" ${ARGN})
  set(files)
  if(ARG_DIR)
    file(GLOB files CONFIGURE_DEPENDS ${ARG_DIR}/*.sql)
    list(SORT files)
  endif()
  if(ARG_OUTBOX)
    file(GLOB shared CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/common/migrations/outbox/*.sql)
    list(SORT shared)
    list(APPEND files ${shared})
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}.cc)
  string(REPLACE ";" "|" file_list "${files}")  # a list would split the command line
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${ARG_NAMESPACE} "-DFILES=${file_list}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "embedding migrations of ${target}"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_link_libraries(${target} PUBLIC qms_db)
endfunction()
