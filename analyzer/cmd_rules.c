/* cmd_rules: `asynclock rules list [--category C] [--pack P]` and `rules show NAME` browse the
 * blocking-API database the packs make. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int al_command_rules(al_options *o, int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "show") != 0))
        return al_usage_error("%s", "rules needs 'list' or 'show NAME'");
    if (strcmp(argv[0], "show") == 0 && argc != 2)
        return al_usage_error("%s", "rules show needs one NAME");
    al_rules *rules = al_options_load_rules(o);
    if (!rules)
        return AL_EXIT_USAGE;
    bool found;
    if (strcmp(argv[0], "list") == 0) {
        found = al_rules_print_list(rules, stdout, o->category, o->pack);
        if (!found)
            fprintf(stderr, "asynclock: no API matches\n");
    } else {
        found = al_rules_print_show(rules, stdout, argv[1]);
        if (!found)
            fprintf(stderr, "asynclock: '%s' is in no loaded rule pack\n", argv[1]);
    }
    al_rules_free(rules);
    return found ? AL_EXIT_CLEAN : AL_EXIT_FINDINGS;
}
