package dev.cir.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.cir.bench.BenchCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cir} command. Exit status 0 on success; on failure a single line {@code cir: <reason>}
 * on standard error and a non-zero status (2 for a wrong command line, 1 otherwise).
 */
@Command(
    name = "cir",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Composed image retrieval: CLIP4Cir on DJL, served by Apache Solr.",
    subcommands = {
      ImportCommand.class,
      EmbedCommand.class,
      InfoCommand.class,
      DatasetCommand.class,
      EvalCommand.class,
      SolrCommand.class,
      IndexCommand.class,
      TrainCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see cir --help)");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given output streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Injector injector = Guice.createInjector(new CliModule(out, err));
    CommandLine cl = commandLine(injector);
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  static CommandLine commandLine(Injector injector) {
    CommandLine cl = new CommandLine(Main.class, new GuiceFactory(injector));
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println("cir: " + ex.getMessage() + " (see " + c.getCommandSpec().qualifiedName() + " --help)");
          c.getErr().flush();
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          c.getErr().println("cir: " + Failures.oneLine(ex));
          if (Boolean.getBoolean("cir.trace")) {
            ex.printStackTrace(c.getErr());
          }
          c.getErr().flush();
          return 1;
        });
    return cl;
  }
}
