// returns: customer returns, their receipt, confirmation, disposition, rework and analysis.
#include "services/returns/wiring.h"

int main(int argc, char** argv) { return qms::RunService(argc, argv, qms::returns::Service()); }
