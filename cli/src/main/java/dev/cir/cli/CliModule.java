package dev.cir.cli;

import com.google.inject.AbstractModule;
import com.google.inject.name.Names;
import java.io.PrintWriter;

/** The composition root of the command line: where output goes and the modules it uses. */
final class CliModule extends AbstractModule {
  private final PrintWriter out;
  private final PrintWriter err;

  CliModule(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  @Override
  protected void configure() {
    install(new ClipModule());
    bind(PrintWriter.class).annotatedWith(Names.named("out")).toInstance(out);
    bind(PrintWriter.class).annotatedWith(Names.named("err")).toInstance(err);
  }
}
