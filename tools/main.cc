// The threadlog binary: parses the command line and runs the chosen subcommand.
#include <iostream>

#include "tools/cli.h"

int main(int argc, char** argv) {
  using namespace threadlog::cli;
  CLI::App app{
      "threadlog: an event-sourced, persistence-first store and app-server for coding-agent "
      "sessions"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--home", global.home,
                 "store directory (default: $THREADLOG_HOME, else ~/.threadlog)")
      ->envname("THREADLOG_HOME");
  Action action;
  RegisterImport(app, global, &action);
#ifdef THREADLOG_BENCH
  RegisterBench(app, global, &action);
#endif
  RegisterRebuild(app, global, &action);
  RegisterVerify(app, global, &action);
  RegisterRepair(app, global, &action);
  RegisterMigrate(app, global, &action);
  RegisterExport(app, global, &action);
  RegisterInspect(app, global, &action);
  RegisterReplay(app, global, &action);
  RegisterServe(app, global, &action);
  CLI11_PARSE(app, argc, argv);
  if (!action) {
    std::cerr << app.help();
    return 2;
  }
  // Errors are statuses; an exception reaching here is a bug (or no memory). Say what it was
  // and exit with EX_SOFTWARE rather than abort with a core dump and half a sentence.
  try {
    return action();
  } catch (const std::exception& e) {
    std::cerr << "threadlog: internal error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << "threadlog: internal error: unknown exception" << std::endl;
  }
  return 70;
}
