/* Workload binary for the test runtime (static).
 *   tool sleep [SECONDS]  sleep (forever without SECONDS); exits 0 on SIGTERM
 *   tool exit CODE        exit with CODE
 *   tool echo WORDS...    print WORDS and exit 0 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void stop(int sig) { (void)sig; _exit(0); }

int main(int argc, char **argv) {
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    const char *verb = argc > 1 ? argv[1] : "sleep";
    if (strcmp(verb, "sleep") == 0) {
        if (argc > 2) { sleep((unsigned)atoi(argv[2])); return 0; }
        for (;;) pause();
    }
    if (strcmp(verb, "exit") == 0) return argc > 2 ? atoi(argv[2]) : 1;
    if (strcmp(verb, "echo") == 0) {
        for (int i = 2; i < argc; i++) printf(i + 1 < argc ? "%s " : "%s\n", argv[i]);
        return 0;
    }
    fprintf(stderr, "tool: unknown verb %s\n", verb);
    return 2;
}
