import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Starts one Solr node in this JVM with Solr's own server, {@code JettySolrRunner}: {@code java -cp
 * SOLR_JARS SolrNode.java SOLR_HOME PORT}. The node reads {@code SOLR_HOME/solr.xml}, loads the modules
 * that {@code SOLR_MODULES} (or {@code -Dsolr.modules}) names from {@code solr.install.dir}, prints
 * {@code SOLR_PORT <port>} once it serves, and stops cleanly, printing {@code SOLR_STOPPED}, when its
 * standard input closes. Run as a source file: nothing of the project is on the node's classpath.
 */
public class SolrNode {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: SolrNode SOLR_HOME PORT");
      System.exit(2);
    }
    JettySolrRunner jetty =
        new JettySolrRunner(args[0], JettyConfig.builder().setPort(Integer.parseInt(args[1])).setContext("/solr").build());
    jetty.start();
    System.out.println("SOLR_PORT " + jetty.getLocalPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // runs until the parent closes the pipe
    }
    jetty.stop();
    System.out.println("SOLR_STOPPED");
    System.out.flush();
  }
}
