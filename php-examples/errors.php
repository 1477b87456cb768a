<?php
/**
 * What a caller sees when things go wrong: each failure is an AmijsonException carrying the
 * document's error.code, its message and amijson's exit code.
 *
 *     php php-examples/errors.php
 *
 *   wrong_secret      login refused                      exit 4, code auth
 *   unreachable_host  127.0.0.1 on a port nobody serves  exit 3, code connect
 *   unknown_action    Asterisk answers Error             exit 1, code action_failed
 */
require_once __DIR__ . '/amijson.php';

/** A loopback port that nothing listens on: bind one, note it, close it. */
function closed_port(): int
{
    $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
    if ($server === false) {
        throw new RuntimeException("cannot bind a loopback port: $errstr");
    }
    $name = stream_socket_get_name($server, false);
    fclose($server);
    return (int) substr($name, strrpos($name, ':') + 1);
}

$cases = [
    'wrong_secret' => [['action', 'Ping'], ['secret' => 'not-the-secret-' . bin2hex(random_bytes(4))]],
    // An AMI action is never retried through `asterisk -rx` (which runs CLI commands only),
    // so an unreachable AMI is reported as such.
    'unreachable_host' => [['action', 'Ping'], ['host' => '127.0.0.1', 'port' => closed_port(),
                                                 'connect_timeout' => 2]],
    'unknown_action' => [['action', 'NoSuchActionAtAll'], []],
];

$results = [];
foreach ($cases as $case => [$args, $opts]) {
    try {
        amijson($args, $opts);
        $results[] = ['case' => $case, 'code' => null, 'exit_code' => 0, 'message' => 'unexpected success'];
    } catch (AmijsonException $e) {
        $results[] = ['case' => $case, 'code' => $e->getErrorCode(), 'exit_code' => $e->getExitCode(),
                      'message' => $e->getMessage()];
    }
    $last = end($results);
    fwrite(STDERR, sprintf("ran: amijson %s -> exit %s, %s\n", implode(' ', $args),
                           var_export($last['exit_code'], true), $last['code']));
}
echo json_encode($results, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
