/* version.h - the mlgate release every tool and User-Agent reports */
#ifndef MLGATE_VERSION_H
#define MLGATE_VERSION_H

#define MLG_VERSION "0.1.0"

#endif
