package dev.cir.cli;

/** Entry point of the {@code cir} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("cir");
  }
}
