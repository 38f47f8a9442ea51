// How the command line shows replies to people: a table of records (one row each) or one
// record as "label: value" lines. A column is a header and a dotted path into the reply's JSON
// ("triage.severity"); values are shortened for reading: times as "YYYY-MM-DD HH:MM" (UTC), a
// resource name ("@name") as its last segment, lists joined with ", ". Scripts use --json.
#ifndef QMS_TOOLS_CLI_TABLE_H_
#define QMS_TOOLS_CLI_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

#include "tools/cli/client.h"

namespace qms::cli {

struct Column {
  std::string header;
  std::string path;  // a leading '@' shows only the last segment of a resource name
};

// The value at `path` in `record` as text ("" when absent).
std::string Cell(const Json& record, const std::string& path);

// One row per element of `records`, columns aligned, long cells cut at 48 characters.
void PrintTable(std::ostream& out, const Json& records, const std::vector<Column>& columns);

// `label: value` for each column with a value; a list of objects as one indented line each.
void PrintRecord(std::ostream& out, const Json& record, const std::vector<Column>& fields);

}  // namespace qms::cli

#endif  // QMS_TOOLS_CLI_TABLE_H_
