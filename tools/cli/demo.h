// `qms demo`: a realistic month of two plants through the public API only (see demo.cc).
#ifndef QMS_TOOLS_CLI_DEMO_H_
#define QMS_TOOLS_CLI_DEMO_H_

#include <CLI/CLI.hpp>

#include "tools/cli/commands.h"

namespace qms::cli {

void AddDemoCommand(CLI::App& app, Context& context);

}  // namespace qms::cli

#endif  // QMS_TOOLS_CLI_DEMO_H_
