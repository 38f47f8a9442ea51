# Script mode: writes OUT, a C++ file returning the migrations in FILES as qms::db::Migration values.
set(body "")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  if(NOT name MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${name}")
  endif()
  set(version ${CMAKE_MATCH_1})
  math(EXPR version "${version} + 0")
  if(f MATCHES "/common/migrations/")
    if(version LESS 9000)
      message(FATAL_ERROR "shared migrations are numbered 9000 and up: ${f}")
    endif()
  elseif(NOT version LESS 9000)
    message(FATAL_ERROR "a service's own migrations are numbered below 9000: ${f}")
  endif()
  file(READ ${f} sql)
  string(APPEND body "      {${version}, \"${name}\", R\"qms_sql(${sql})qms_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from migration files; do not edit.
#include \"common/db/migrator.h\"

namespace ${NAMESPACE} {

const std::vector<qms::db::Migration>& Migrations() {
  static const auto* migrations = new std::vector<qms::db::Migration>{
${body}  };
  return *migrations;
}

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
