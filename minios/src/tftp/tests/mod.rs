//! Host tests of the TFTP client against a fake server.
