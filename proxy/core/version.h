/* version.h: the bridge's version, shown by the page and the
 * acme_bridge_build_info metric (issue 9 item 4). A packager may set it
 * with -DACME_BRIDGE_VERSION='"..."'. */
#ifndef VERSION_H
#define VERSION_H

#ifndef ACME_BRIDGE_VERSION
#define ACME_BRIDGE_VERSION "0.9.0-dev"
#endif

#endif
