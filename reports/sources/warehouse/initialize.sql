-- Runs before every source query: nothing may reach for the network.
SET autoinstall_known_extensions = false;
